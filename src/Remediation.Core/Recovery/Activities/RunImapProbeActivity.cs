using Microsoft.DurableTask;
using Remediation.Probes;

namespace Remediation.Recovery.Activities;

/// <summary>Input of <see cref="RunImapProbeActivity"/>.</summary>
public sealed record ProbeRequest(string Server, string Probe);

/// <summary>Re-runs the probe of a monitor on a server (the runbook's Invoke-MonitoringProbe).</summary>
public sealed class RunImapProbeActivity(ProbeRunner runner) : TaskActivity<ProbeRequest, ProbeResult>
{
    /// <inheritdoc />
    public override Task<ProbeResult> RunAsync(TaskActivityContext context, ProbeRequest input) =>
        runner.RunAsync(input.Server, input.Probe, CancellationToken.None);
}
