using Microsoft.DurableTask;
using Remediation.Monitoring;

namespace Remediation.Recovery;

/// <summary>Reads the IMAP monitors of a server (the runbook's Get-ServerHealth | ?{$_.HealthSetName -like "IMAP*"}).</summary>
public sealed class ReadServerHealthActivity(MonitorBoard board) : TaskActivity<string, IReadOnlyList<MonitorSnapshot>>
{
    /// <inheritdoc />
    public override Task<IReadOnlyList<MonitorSnapshot>> RunAsync(TaskActivityContext context, string input) =>
        Task.FromResult(board.Snapshot(input));
}
