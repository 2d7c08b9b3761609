using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using Remediation.Exchange;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>A playbook ends here: the outcome and why (refused by safety, rejected approval, cancelled).</summary>
internal sealed class RunStoppedException(RunOutcome outcome, string reason) : Exception(reason)
{
    public RunOutcome Outcome { get; } = outcome;
}

/// <summary>
/// The step recorder: numbers each step, times it on the orchestration clock and records it, failed or not (a replay
/// records the same step again, which the ledger ignores). Where the run goes (the ledger, or a plan preview's list)
/// and what a preview assumes instead of calling is the implementation's: <see cref="LedgerRecorder"/> for runs,
/// <see cref="PreviewRecorder"/> for plan previews. Also holds the operator's cancel, which every room checks.
/// </summary>
internal abstract class StepRecorder
{
    public static readonly TaskOptions LedgerCall = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    // Agent calls are retried only when the agent said "try again" (timeout, unavailable); the step's idempotency key
    // makes the retry return the first answer instead of acting twice.
    public static readonly TaskOptions AgentCall = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(2), backoffCoefficient: 2)
    {
        // By the failure's type name: IsCausedBy<T> resolves ErrorType with Type.GetType, which does not look in our assembly.
        HandleFailure = failure => failure.ErrorType == typeof(AgentUnavailableException).FullName,
    });

    readonly Task<string> cancelled;

    protected StepRecorder(TaskOrchestrationContext context, RecoveryRequest request)
    {
        Context = context;
        Request = request;
        cancelled = CancelledAsync(context, request.RunId, RecoveryVersions.Of(context, request) < RecoveryVersions.ExchangeConfirms);
    }

    public TaskOrchestrationContext Context { get; }

    // Who cancelled this run; a cancel naming another run (an earlier one on the same server's instance) is dropped.
    // Before cancels named their run (version 1) the payload was who, alone: still taken, from a run that began so.
    static async Task<string> CancelledAsync(TaskOrchestrationContext context, string runId, bool takesBareNames)
    {
        while (true)
        {
            var cancel = await context.WaitForExternalEvent<JsonElement>(RunEvents.Cancel);
            if (cancel.ValueKind == JsonValueKind.String && takesBareNames)
            {
                return cancel.GetString()!;
            }

            if (cancel.ValueKind == JsonValueKind.Object && JsonSerializer.Deserialize<RunCancel>(cancel, JsonDefaults.Options) is { } named && named.RunId == runId)
            {
                return named.By;
            }
        }
    }

    public RecoveryRequest Request { get; }

    public RecoverySettings Settings => Request.Settings;

    public DateTimeOffset Now => new(Context.CurrentUtcDateTime, TimeSpan.Zero);

    /// <summary>Steps recorded so far.</summary>
    public int Sequence { get; private set; }

    /// <summary>The idempotency key of the next step: a retried activity returns the first answer instead of acting twice.</summary>
    public string NextStepKey => string.Create(CultureInfo.InvariantCulture, $"{Request.RunId}:{Sequence + 1}");

    /// <summary>Completes when an operator cancels the run (its result: who).</summary>
    public Task<string> Cancelled => cancelled;

    /// <summary>Throws <see cref="RunStoppedException"/> once an operator has cancelled the run.</summary>
    public void ThrowIfCancelled()
    {
        if (cancelled.IsCompleted)
        {
            throw new RunStoppedException(RunOutcome.Cancelled, $"Cancelled by {cancelled.Result}.");
        }
    }

    /// <summary>Shows what the run is doing in Durable's custom status (the run API and dashboard read it).</summary>
    public void Show(string what, DateTimeOffset? waitingSince = null, DateTimeOffset? waitingUntil = null) =>
        Context.SetCustomStatus(new RunStatus(Request.RunId, Request.Server, Sequence, what, WaitingSince: waitingSince, WaitingUntil: waitingUntil));

    /// <summary>Runs <paramref name="action"/> as the next step and records it, failed or not.</summary>
    public async Task<T> StepAsync<T>(
        string name,
        string operation,
        IReadOnlyDictionary<string, string> arguments,
        Func<Task<T>> action,
        Func<T, (StepOutcome Outcome, string Answer)> describe)
    {
        var number = ++Sequence;
        Show(name);
        var started = Now;
        T result;
        try
        {
            result = await action();
        }
        catch (TaskFailedException ex)
        {
            await RecordAsync(new RunStep(number, name, operation, arguments, started, Now, StepOutcome.Failed, ex.FailureDetails.ErrorMessage));
            throw;
        }

        var (outcome, answer) = describe(result);
        await RecordAsync(new RunStep(number, name, operation, arguments, started, Now, outcome, answer));
        return result;
    }

    /// <summary>Records a decision the run took (a rule and its evidence) as a step of its own: nothing is called.</summary>
    public Task NoteAsync(string name, string decision) =>
        StepAsync(name, "Decision (nothing called)", new Dictionary<string, string>(), () => Task.FromResult(true), _ => (StepOutcome.Succeeded, decision));

    /// <summary>
    /// A step whose answer decides the path (a verification, another server's run). A run takes it; a preview records
    /// it where the run would take it and assumes <paramref name="worst"/>, so it shows the longest path.
    /// </summary>
    public abstract Task<T> DecideAsync<T>(
        string name,
        string operation,
        IReadOnlyDictionary<string, string> arguments,
        Func<Task<T>> take,
        Func<T, (StepOutcome Outcome, string Answer)> describe,
        T worst,
        string worstSaid);

    /// <summary>A durable timer of <paramref name="wait"/> (a preview waits for nothing).</summary>
    public abstract Task SleepAsync(TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>Opens the run in the ledger (its monitors show Repairing).</summary>
    public abstract Task OpenAsync();

    /// <summary>Records the outcome; releases the run's holds unless <paramref name="keepHold"/>.</summary>
    public abstract Task CloseAsync(RunOutcome outcome, string reason, bool keepHold);

    /// <summary>Sends the whole timeline and evidence to the escalation channels (a human takes over from here).</summary>
    public abstract Task<string> EscalateAsync();

    protected abstract Task RecordAsync(RunStep step);

    // Cancel() runs the durable timer's and event's cancellation callbacks on the orchestrator thread; CancelAsync()
    // would run them on the thread pool, outside the orchestration's single-threaded context.
#pragma warning disable CA1849
    public static void CancelInline(CancellationTokenSource source) => source.Cancel();
#pragma warning restore CA1849
}
