using Microsoft.DurableTask;
using Remediation.Exchange;
using Remediation.Imap;
using Remediation.Monitoring;

namespace Remediation.Recovery.Activities;

/// <summary>
/// Reads the IMAP monitors of a server (the runbook's Get-ServerHealth | ?{$_.HealthSetName -like "IMAP*"}): from
/// Exchange through the agent when one is configured, otherwise from this product's own monitors.
/// </summary>
public sealed class ReadServerHealthActivity(AgentConnection agent, MonitorBoard board) : TaskActivity<string, IReadOnlyList<ServerHealthRow>>
{
    /// <inheritdoc />
    public override async Task<IReadOnlyList<ServerHealthRow>> RunAsync(TaskActivityContext context, string input) =>
        agent.IsConfigured
            ? [.. (await agent.Client().GetServerHealthAsync(input, CancellationToken.None)).Rows.Where(r => r.HealthSetName.StartsWith("IMAP", StringComparison.OrdinalIgnoreCase))]
            : ServerHealth.Query(board, input, "IMAP*");
}
