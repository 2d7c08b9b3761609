using Microsoft.Azure.Functions.Worker;
using Remediation.Monitoring;

namespace Remediation.Functions;

/// <summary>Runs every IMAP probe on its schedule and feeds the monitors; a monitor turning Unhealthy publishes an alert.</summary>
public sealed class ProbeTimer(ProbeCycle cycle)
{
    /// <summary>NCRONTAB from the app setting Remediation__Probes__Schedule (default: every minute).</summary>
    [Function(nameof(ProbeTimer))]
    public Task RunAsync([TimerTrigger("%Remediation:Probes:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        cycle.RunAsync(cancellationToken);
}
