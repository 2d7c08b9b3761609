using Microsoft.DurableTask;
using Remediation.Escalation;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>A run's recorder: every step goes to the run ledger through an activity, and every call is made.</summary>
internal sealed class LedgerRecorder(TaskOrchestrationContext context, RecoveryRequest request) : StepRecorder(context, request)
{
    public override Task<T> DecideAsync<T>(
        string name,
        string operation,
        IReadOnlyDictionary<string, string> arguments,
        Func<Task<T>> take,
        Func<T, (StepOutcome Outcome, string Answer)> describe,
        T worst,
        string worstSaid) => StepAsync(name, operation, arguments, take, describe);

    public override Task SleepAsync(TimeSpan wait, CancellationToken cancellationToken) => Context.CreateTimer(wait, cancellationToken);

    public override Task OpenAsync() => Context.CallActivityAsync(
        nameof(OpenRunActivity),
        new RunRecord(Request.RunId, Context.InstanceId, Request.Server, Request.HealthSet, Request.Monitor, Now, null, RunOutcome.Running, null, [], [Request.Alert], Request.ParentRunId),
        LedgerCall);

    public override async Task CloseAsync(RunOutcome outcome, string reason, bool keepHold)
    {
        await Context.CallActivityAsync(nameof(CloseRunActivity), new CloseRun(Request.RunId, outcome, reason, Now), LedgerCall);
        if (!keepHold)
        {
            await Context.CallActivityAsync(nameof(ReleaseDisruptionActivity), Request.RunId, LedgerCall);
        }

        Show(outcome.ToString());
    }

    public override Task<string> EscalateAsync() =>
        Context.CallActivityAsync<string>(nameof(EscalateActivity), new EscalationRequest(Request.RunId, Settings.DryRun), LedgerCall);

    protected override Task RecordAsync(RunStep step) =>
        Context.CallActivityAsync(nameof(RecordRunStepActivity), new RecordRunStep(Request.RunId, step, Request.Server, Request.Monitor), LedgerCall);
}
