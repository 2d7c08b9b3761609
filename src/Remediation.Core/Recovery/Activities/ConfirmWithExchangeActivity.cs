using Microsoft.DurableTask;
using Remediation.AgentApi;
using Remediation.Exchange;
using Remediation.Imap;

namespace Remediation.Recovery.Activities;

/// <summary>Input of <see cref="ConfirmWithExchangeActivity"/>: the alerting monitor and its probe.</summary>
public sealed record ExchangeCheck(string Server, string HealthSet, string Monitor, string Probe);

/// <summary>Does Exchange agree that the monitor is unhealthy, and on what evidence.</summary>
public sealed record ExchangeVerdict(bool Agrees, string Evidence);

/// <summary>
/// Asks Exchange before the first disruptive step (PLAYBOOKS.md section 4, "Exchange's own state is the source of
/// truth"): the alerting monitor's own row from Get-ServerHealth; when that row is not Unhealthy (Managed
/// Availability's monitors lag their probes), Exchange's own probe through Invoke-MonitoringProbe
/// (learn.microsoft.com, Invoke-MonitoringProbe: "-Identity HealthSet\ProbeName -Server"). Either one failing is
/// agreement. Without an agent the product's own monitors are the only view there is, and they agree by definition.
/// </summary>
public sealed class ConfirmWithExchangeActivity(AgentConnection agent) : TaskActivity<ExchangeCheck, ExchangeVerdict>
{
    /// <inheritdoc />
    public override async Task<ExchangeVerdict> RunAsync(TaskActivityContext context, ExchangeCheck input)
    {
        if (!agent.IsConfigured)
        {
            return new(true, "No agent configured: this product's own monitors are the only view of Exchange.");
        }

        var client = agent.Client();
        var rows = (await client.GetServerHealthAsync(input.Server, CancellationToken.None)).Rows;
        var row = rows.FirstOrDefault(r => string.Equals(r.Name, input.Monitor, StringComparison.OrdinalIgnoreCase));
        return row?.AlertValue == HealthState.Unhealthy
            ? Judge(input, row, null)
            : Judge(input, row, await client.InvokeMonitoringProbeAsync(input.Server, input.HealthSet, input.Probe, CancellationToken.None));
    }

    /// <summary>
    /// The verdict from the monitor's row and, when the row is not Unhealthy, Exchange's own probe: its ResultType
    /// Failed or Timeout agrees; Succeeded disagrees; anything else (a probe poisoned, quarantined, rejected, or no result
    /// type at all) is no confirmation, so nothing is done on it: the product never acts on a signal Exchange does not
    /// confirm (fail closed).
    /// </summary>
    public static ExchangeVerdict Judge(ExchangeCheck input, ServerHealthRow? row, MonitoringProbeResult? probe)
    {
        var said = row is null ? $"Get-ServerHealth reports no {input.Monitor} row" : $"Get-ServerHealth: {input.Monitor} is {row.AlertValue}";
        if (row?.AlertValue == HealthState.Unhealthy || probe is null)
        {
            return new(row?.AlertValue == HealthState.Unhealthy, $"{said} on {input.Server}.");
        }

        var ran = $"Invoke-MonitoringProbe {probe.Identity}: {probe.Result}{(probe.Error is null ? "" : $" ({probe.Error})")}";
        if (ProbeResultTypes.IsPass(probe.Result))
        {
            return new(false, $"{said} on {input.Server}, and Exchange's own probe passes ({ran} in {probe.LatencyMs:F0} ms).");
        }

        return ProbeResultTypes.IsFailure(probe.Result)
            ? new(true, $"{said} on {input.Server}; Exchange's own probe fails too ({ran}).")
            : new(false, $"{said} on {input.Server}, and Exchange's own probe gave no verdict ({ran}): Exchange does not confirm the failure.");
    }
}
