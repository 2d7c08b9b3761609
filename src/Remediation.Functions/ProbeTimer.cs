using Microsoft.Azure.Functions.Worker;
using Remediation.Monitoring;

namespace Remediation.Functions;

/// <summary>
/// The probe schedules: each kind on its own NCRONTAB app setting, so the cheap self test runs often and the login
/// probes and counters less. Results feed the monitors; a monitor turning Unhealthy publishes an alert to Service Bus.
/// </summary>
public sealed class ProbeTimer(ProbeCycle cycle)
{
    /// <summary>ImapCTPProbe, ImapProxyTestProbe, ImapDeepTestProbe: Remediation__Probes__Schedule (default every minute).</summary>
    [Function(nameof(ProbeTimer))]
    public Task RunAsync([TimerTrigger("%Remediation:Probes:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        cycle.RunAsync(ProbeKinds.Login, cancellationToken);

    /// <summary>ImapSelfTestProbe: Remediation__Probes__SelfTestSchedule (default every 30 seconds).</summary>
    [Function("SelfTestProbeTimer")]
    public Task RunSelfTestAsync([TimerTrigger("%Remediation:Probes:SelfTestSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        cycle.RunAsync(ProbeKinds.SelfTest, cancellationToken);

    /// <summary>The IMAP4 performance counters through the agent: Remediation__Probes__CountersSchedule (default every 5 minutes).</summary>
    [Function("ImapCountersTimer")]
    public Task RunCountersAsync([TimerTrigger("%Remediation:Probes:CountersSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        cycle.RunAsync(ProbeKinds.Counters, cancellationToken);
}
