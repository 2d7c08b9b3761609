using Microsoft.DurableTask;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>
/// Wraps each playbook step so it lands in the ledger and in Durable's custom status with its arguments, answer
/// and times (from the orchestration clock, so replays write the same step again, which the ledger ignores).
/// </summary>
internal sealed class RunTimeline(TaskOrchestrationContext context, RecoveryRequest request)
{
    static readonly TaskOptions LedgerRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(1), backoffCoefficient: 2));
    int sequence;

    public DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

    public Task OpenAsync() => context.CallActivityAsync(
        nameof(OpenRunActivity),
        new RunRecord(request.RunId, context.InstanceId, request.Server, request.HealthSet, request.Monitor, Now, null, RunOutcome.Running, null, [], [request.Alert]),
        LedgerRetry);

    /// <summary>Runs <paramref name="action"/> as the next step and records it, failed or not.</summary>
    public async Task<T> StepAsync<T>(
        string name,
        string operation,
        IReadOnlyDictionary<string, string> arguments,
        Func<Task<T>> action,
        Func<T, (string Outcome, string Answer)> describe)
    {
        var number = ++sequence;
        context.SetCustomStatus(new RunStatus(request.RunId, request.Server, number, name));
        var started = Now;
        T result;
        try
        {
            result = await action();
        }
        catch (TaskFailedException ex)
        {
            await RecordAsync(new RunStep(number, name, operation, arguments, started, Now, "Failed", ex.FailureDetails.ErrorMessage));
            throw;
        }

        var (outcome, answer) = describe(result);
        await RecordAsync(new RunStep(number, name, operation, arguments, started, Now, outcome, answer));
        return result;
    }

    public async Task<RunOutcome> CloseAsync(RunOutcome outcome, string reason)
    {
        await context.CallActivityAsync(nameof(CloseRunActivity), new CloseRun(request.RunId, outcome, reason, Now), LedgerRetry);
        context.SetCustomStatus(new RunStatus(request.RunId, request.Server, sequence, outcome.ToString()));
        return outcome;
    }

    Task RecordAsync(RunStep step) =>
        context.CallActivityAsync(nameof(RecordRunStepActivity), new RecordRunStep(request.RunId, step), LedgerRetry);
}
