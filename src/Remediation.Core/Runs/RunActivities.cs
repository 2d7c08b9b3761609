using Microsoft.DurableTask;
using Remediation.Monitoring;
using Remediation.Telemetry;

namespace Remediation.Runs;

/// <summary>Input of <see cref="RecordRunStepActivity"/>.</summary>
public sealed record RecordRunStep(string RunId, RunStep Step);

/// <summary>Input of <see cref="CloseRunActivity"/>.</summary>
public sealed record CloseRun(string RunId, RunOutcome Outcome, string Reason, DateTimeOffset EndedAt);

/// <summary>Opens the run in the ledger (idempotent); the server's Unhealthy monitors show Repairing meanwhile.</summary>
public sealed class OpenRunActivity(IRunLedger ledger, MonitorBoard board) : TaskActivity<RunRecord, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, RunRecord input)
    {
        await ledger.OpenAsync(input, CancellationToken.None);
        await board.BeginRepairAsync(input.Server, CancellationToken.None);
        return true;
    }
}

/// <summary>Writes one step to the ledger (idempotent on the step's sequence).</summary>
public sealed class RecordRunStepActivity(IRunLedger ledger) : TaskActivity<RecordRunStep, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, RecordRunStep input)
    {
        await ledger.AppendStepAsync(input.RunId, input.Step, CancellationToken.None);
        RemediationTelemetry.Steps.Add(1, new("step", input.Step.Name), new("outcome", input.Step.Outcome));
        return true;
    }
}

/// <summary>Records the run's outcome (first close wins); the server's monitors leave Repairing.</summary>
public sealed class CloseRunActivity(IRunLedger ledger, MonitorBoard board) : TaskActivity<CloseRun, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, CloseRun input)
    {
        await ledger.CloseAsync(input.RunId, input.Outcome, input.Reason, input.EndedAt, CancellationToken.None);
        if (await ledger.GetAsync(input.RunId, CancellationToken.None) is { } run)
        {
            await board.EndRepairAsync(run.Server, CancellationToken.None);
        }

        RemediationTelemetry.Runs.Add(1, new KeyValuePair<string, object?>("outcome", input.Outcome.ToString()));
        return true;
    }
}
