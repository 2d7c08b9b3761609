using Microsoft.DurableTask;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>
/// A plan preview's recorder (<see cref="PlanPreviewOrchestrator"/>): steps are kept in <see cref="Steps"/>, nothing
/// reaches the ledger, no timer is waited on, no other run is started or joined, and every verification is assumed
/// to fail still (the worst path). The safety gate and the health reads answer for real.
/// </summary>
internal sealed class PreviewRecorder(TaskOrchestrationContext context, RecoveryRequest request) : StepRecorder(context, request)
{
    public List<RunStep> Steps { get; } = [];

    public override Task<T> DecideAsync<T>(
        string name,
        string operation,
        IReadOnlyDictionary<string, string> arguments,
        Func<Task<T>> take,
        Func<T, (StepOutcome Outcome, string Answer)> describe,
        T worst,
        string worstSaid) =>
        StepAsync(name, $"{operation} (preview: not called)", arguments, () => Task.FromResult(worst), _ => (StepOutcome.DryRun, worstSaid));

    public override Task SleepAsync(TimeSpan wait, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task OpenAsync() => Task.CompletedTask;

    public override Task CloseAsync(RunOutcome outcome, string reason, bool keepHold) => Task.CompletedTask;

    public override Task<string> EscalateAsync() => Task.FromResult("Preview: would escalate.");

    protected override Task RecordAsync(RunStep step)
    {
        Steps.Add(step);
        return Task.CompletedTask;
    }
}
