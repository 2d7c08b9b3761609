using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Remediation.Monitoring;
using Remediation.Telemetry;

namespace Remediation.Runs;

/// <summary>Input of <see cref="RecordRunStepActivity"/>.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Step">The step as it ended.</param>
/// <param name="Server">The run's server (for the run history event).</param>
/// <param name="Monitor">The run's monitor (for the run history event).</param>
public sealed record RecordRunStep(string RunId, RunStep Step, string? Server = null, string? Monitor = null);

/// <summary>Input of <see cref="CloseRunActivity"/>.</summary>
public sealed record CloseRun(string RunId, RunOutcome Outcome, string Reason, DateTimeOffset EndedAt);

/// <summary>Opens the run in the ledger (idempotent); the server's Unhealthy monitors show Repairing meanwhile.</summary>
public sealed class OpenRunActivity(IRunLedger ledger, MonitorBoard board, ILoggerFactory logging) : TaskActivity<RunRecord, bool>
{
    readonly ILogger history = logging.CreateLogger(RunHistoryLog.Category);

    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, RunRecord input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await ledger.OpenAsync(input, CancellationToken.None);
        await board.BeginRepairAsync(input.Server, CancellationToken.None);
        RunHistoryLog.Opened(history, "RunOpened", input.RunId, input.Server, input.HealthSet, input.Monitor, (input.Alerts.Count > 0 ? input.Alerts[0].AlertId : ""));
        return true;
    }
}

/// <summary>Writes one step to the ledger (idempotent on the step's sequence).</summary>
public sealed class RecordRunStepActivity(IRunLedger ledger, ILoggerFactory logging) : TaskActivity<RecordRunStep, bool>
{
    readonly ILogger history = logging.CreateLogger(RunHistoryLog.Category);

    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, RecordRunStep input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await ledger.AppendStepAsync(input.RunId, input.Step, CancellationToken.None);
        RemediationTelemetry.Steps.Add(1, new("step", input.Step.Name), new("outcome", input.Step.Outcome));
        var step = input.Step;
        var duration = (step.EndedAt - step.StartedAt).TotalMilliseconds;
        RunHistoryLog.Step(history, "RunStep", input.RunId, input.Server ?? "", input.Monitor, step.Sequence, step.Name, step.Operation, step.Outcome, duration, step.Answer);
        return true;
    }
}

/// <summary>Records the run's outcome (first close wins); the server's monitors leave Repairing.</summary>
public sealed class CloseRunActivity(IRunLedger ledger, MonitorBoard board, ILoggerFactory logging) : TaskActivity<CloseRun, bool>
{
    readonly ILogger history = logging.CreateLogger(RunHistoryLog.Category);

    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, CloseRun input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await ledger.CloseAsync(input.RunId, input.Outcome, input.Reason, input.EndedAt, CancellationToken.None);
        if (await ledger.GetAsync(input.RunId, CancellationToken.None) is { } run)
        {
            await board.EndRepairAsync(run.Server, CancellationToken.None);
            var duration = ((run.EndedAt ?? input.EndedAt) - run.StartedAt).TotalMilliseconds;
            RunHistoryLog.Closed(history, "RunClosed", run.RunId, run.Server, run.Monitor, run.Outcome, duration, run.Reason);
        }

        RemediationTelemetry.Runs.Add(1, new KeyValuePair<string, object?>("outcome", input.Outcome.ToString()));
        return true;
    }
}
