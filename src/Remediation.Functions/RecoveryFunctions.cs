using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.Functions;

/// <summary>
/// Durable Functions wrappers for the engine's orchestrator and activities: function name = class name,
/// no logic of their own.
/// </summary>
public sealed class RecoveryFunctions(IServiceProvider services)
{
    /// <summary>The entry orchestration of a server's run.</summary>
    [Function(nameof(ImapRecoveryOrchestrator))]
    public Task<RunOutcome> ImapRecoveryOrchestratorAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ImapRecoveryOrchestrator().RunAsync(context, context.GetInput<RecoveryRequest>()!);

    /// <summary>Re-runs a probe.</summary>
    [Function(nameof(RunImapProbeActivity))]
    public Task<ProbeResult> RunImapProbeActivityAsync([ActivityTrigger] ProbeRequest input, FunctionContext context) =>
        Activity<RunImapProbeActivity>().RunAsync(ActivityContext(context, nameof(RunImapProbeActivity)), input);

    /// <summary>Reads the server's IMAP monitors.</summary>
    [Function(nameof(ReadServerHealthActivity))]
    public Task<IReadOnlyList<MonitorSnapshot>> ReadServerHealthActivityAsync([ActivityTrigger] string server, FunctionContext context) =>
        Activity<ReadServerHealthActivity>().RunAsync(ActivityContext(context, nameof(ReadServerHealthActivity)), server);

    /// <summary>Opens the run in the ledger.</summary>
    [Function(nameof(OpenRunActivity))]
    public Task<bool> OpenRunActivityAsync([ActivityTrigger] RunRecord input, FunctionContext context) =>
        Activity<OpenRunActivity>().RunAsync(ActivityContext(context, nameof(OpenRunActivity)), input);

    /// <summary>Writes a step to the ledger.</summary>
    [Function(nameof(RecordRunStepActivity))]
    public Task<bool> RecordRunStepActivityAsync([ActivityTrigger] RecordRunStep input, FunctionContext context) =>
        Activity<RecordRunStepActivity>().RunAsync(ActivityContext(context, nameof(RecordRunStepActivity)), input);

    /// <summary>Records the run's outcome.</summary>
    [Function(nameof(CloseRunActivity))]
    public Task<bool> CloseRunActivityAsync([ActivityTrigger] CloseRun input, FunctionContext context) =>
        Activity<CloseRunActivity>().RunAsync(ActivityContext(context, nameof(CloseRunActivity)), input);

    T Activity<T>() where T : ITaskActivity => ActivatorUtilities.CreateInstance<T>(services);

    static FunctionActivityContext ActivityContext(FunctionContext context, string name) =>
        new(new TaskName(name), context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : "");

    /// <summary>The activity context the engine's activities receive when Functions hosts them.</summary>
    sealed class FunctionActivityContext(TaskName name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name => name;

        public override string InstanceId => instanceId;
    }
}
