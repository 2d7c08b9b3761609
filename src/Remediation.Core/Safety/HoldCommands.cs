using Microsoft.Extensions.Logging;
using Remediation.Operators;
using Remediation.Runs;

namespace Remediation.Safety;

/// <summary>
/// What an operator does with a hold a run left behind: a run that ends with its server drained (activation disabled)
/// keeps its DAG's hold, so no other member is drained or restarted meanwhile; once fail-back is decided, an operator
/// releases it (POST /api/runs/{id}/release-hold on both hosts).
/// </summary>
public sealed partial class HoldCommands(IRunLedger ledger, ISafetyStore safety, ILogger<HoldCommands> logger)
{
    /// <summary>Releases every hold of the run as <paramref name="by"/>; refused while the run is still going.</summary>
    public async Task<Runs.RunCommands.CommandResult> ReleaseAsync(string runId, Operator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (await ledger.GetAsync(runId, cancellationToken) is not { } run)
        {
            return new(false, $"No run '{runId}'.");
        }

        if (run.Outcome == RunOutcome.Running)
        {
            return new(true, $"Run '{runId}' is still going: its holds are released when it ends.");
        }

        await safety.ReleaseAsync(runId, cancellationToken);
        LogReleased(logger, runId, run.Server, by.Display);
        return new(true, null);
    }

    [LoggerMessage(LogLevel.Warning, "Holds of run {RunId} on {Server} released by {Operator}")]
    static partial void LogReleased(ILogger logger, string runId, string server, string @operator);
}
