using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.AgentApi;
using Remediation.Escalation;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Functions;

/// <summary>
/// Durable Functions wrappers for the engine's orchestrators and activities: function name = class name,
/// no logic of their own.
/// </summary>
public sealed class RecoveryFunctions(IServiceProvider services)
{
    /// <summary>The entry orchestration of a server's run.</summary>
    [Function(nameof(ImapRecoveryOrchestrator))]
    public Task<RunOutcome> ImapRecoveryOrchestratorAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ImapRecoveryOrchestrator().RunAsync(context, context.GetInput<RecoveryRequest>()!);

    /// <summary>The plan preview: what a run would do now, touching nothing.</summary>
    [Function(nameof(PlanPreviewOrchestrator))]
    public Task<PlanPreview> PlanPreviewOrchestratorAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new PlanPreviewOrchestrator().RunAsync(context, context.GetInput<RecoveryRequest>()!);

    /// <summary>Re-runs a probe.</summary>
    [Function(nameof(RunImapProbeActivity))]
    public Task<ProbeResult> RunImapProbeActivityAsync([ActivityTrigger] ProbeRequest input, FunctionContext context) =>
        Run<RunImapProbeActivity, ProbeRequest, ProbeResult>(context, input);

    /// <summary>Reads the IMAP4 counters and judges them by a performance monitor's limit.</summary>
    [Function(nameof(ReadImapCountersActivity))]
    public Task<CounterVerdict> ReadImapCountersActivityAsync([ActivityTrigger] CounterRequest input, FunctionContext context) =>
        Run<ReadImapCountersActivity, CounterRequest, CounterVerdict>(context, input);

    /// <summary>Reads the server's IMAP monitors.</summary>
    [Function(nameof(ReadServerHealthActivity))]
    public Task<IReadOnlyList<ServerHealthRow>> ReadServerHealthActivityAsync([ActivityTrigger] string server, FunctionContext context) =>
        Run<ReadServerHealthActivity, string, IReadOnlyList<ServerHealthRow>>(context, server);

    /// <summary>Asks Exchange whether it agrees that the monitor is unhealthy (its health row, else its own probe).</summary>
    [Function(nameof(ConfirmWithExchangeActivity))]
    public Task<ExchangeVerdict> ConfirmWithExchangeActivityAsync([ActivityTrigger] ExchangeCheck input, FunctionContext context) =>
        Run<ConfirmWithExchangeActivity, ExchangeCheck, ExchangeVerdict>(context, input);

    /// <summary>Where a CAS's probe mailbox is mounted now.</summary>
    [Function(nameof(LocateProbeMailboxActivity))]
    public Task<ProbeMailboxLocation> LocateProbeMailboxActivityAsync([ActivityTrigger] string server, FunctionContext context) =>
        Run<LocateProbeMailboxActivity, string, ProbeMailboxLocation>(context, server);

    /// <summary>Restarts MSExchangeIMAP4 / MSExchangeIMAP4BE.</summary>
    [Function(nameof(RestartImapServiceActivity))]
    public Task<RestartResult> RestartImapServiceActivityAsync([ActivityTrigger] ServiceStep input, FunctionContext context) =>
        Run<RestartImapServiceActivity, ServiceStep, RestartResult>(context, input);

    /// <summary>Starts a server restart (the orchestration watches it come back).</summary>
    [Function(nameof(RestartServerActivity))]
    public Task<ServerRestartStarted> RestartServerActivityAsync([ActivityTrigger] ServerStep input, FunctionContext context) =>
        Run<RestartServerActivity, ServerStep, ServerRestartStarted>(context, input);

    /// <summary>Reads a server's boot time and IMAP4 services.</summary>
    [Function(nameof(ReadServerStateActivity))]
    public Task<ServerState> ReadServerStateActivityAsync([ActivityTrigger] string server, FunctionContext context) =>
        Run<ReadServerStateActivity, string, ServerState>(context, server);

    /// <summary>Fails databases over or back.</summary>
    [Function(nameof(SetDatabaseCopyActivationActivity))]
    public Task<DatabaseCopyStatus> SetDatabaseCopyActivationActivityAsync([ActivityTrigger] FlagStep input, FunctionContext context) =>
        Run<SetDatabaseCopyActivationActivity, FlagStep, DatabaseCopyStatus>(context, input);

    /// <summary>Moves the databases that prefer the server back onto it (fail-back).</summary>
    [Function(nameof(ActivatePreferredOnServerActivity))]
    public Task<DatabaseCopyStatus> ActivatePreferredOnServerActivityAsync([ActivityTrigger] ServerStep input, FunctionContext context) =>
        Run<ActivatePreferredOnServerActivity, ServerStep, DatabaseCopyStatus>(context, input);

    /// <summary>Reads database copy status.</summary>
    [Function(nameof(ReadDatabaseCopyStatusActivity))]
    public Task<DatabaseCopyStatus> ReadDatabaseCopyStatusActivityAsync([ActivityTrigger] string server, FunctionContext context) =>
        Run<ReadDatabaseCopyStatusActivity, string, DatabaseCopyStatus>(context, server);

    /// <summary>Turns IMAP protocol logging on or off.</summary>
    [Function(nameof(SetImapProtocolLoggingActivity))]
    public Task<ImapSettings> SetImapProtocolLoggingActivityAsync([ActivityTrigger] FlagStep input, FunctionContext context) =>
        Run<SetImapProtocolLoggingActivity, FlagStep, ImapSettings>(context, input);

    /// <summary>Reads IMAP settings.</summary>
    [Function(nameof(ReadImapSettingsActivity))]
    public Task<ImapSettings> ReadImapSettingsActivityAsync([ActivityTrigger] string server, FunctionContext context) =>
        Run<ReadImapSettingsActivity, string, ImapSettings>(context, server);

    /// <summary>Maintenance, blast radius and throttle check.</summary>
    [Function(nameof(CheckSafetyActivity))]
    public Task<SafetyVerdict> CheckSafetyActivityAsync([ActivityTrigger] SafetyRequest input, FunctionContext context) =>
        Run<CheckSafetyActivity, SafetyRequest, SafetyVerdict>(context, input);

    /// <summary>Fail-back's gate: is the server in a maintenance window.</summary>
    [Function(nameof(CheckMaintenanceActivity))]
    public Task<MaintenanceAnswer> CheckMaintenanceActivityAsync([ActivityTrigger] string server, FunctionContext context) =>
        Run<CheckMaintenanceActivity, string, MaintenanceAnswer>(context, server);

    /// <summary>Releases the run's hold on its DAG or site.</summary>
    [Function(nameof(ReleaseDisruptionActivity))]
    public Task<bool> ReleaseDisruptionActivityAsync([ActivityTrigger] string runId, FunctionContext context) =>
        Run<ReleaseDisruptionActivity, string, bool>(context, runId);

    /// <summary>Sends the run to the escalation channels.</summary>
    [Function(nameof(EscalateActivity))]
    public Task<string> EscalateActivityAsync([ActivityTrigger] EscalationRequest input, FunctionContext context) =>
        Run<EscalateActivity, EscalationRequest, string>(context, input);

    /// <summary>Posts an approval request to Teams.</summary>
    [Function(nameof(NotifyApprovalActivity))]
    public Task<string> NotifyApprovalActivityAsync([ActivityTrigger] ApprovalNotice input, FunctionContext context) =>
        Run<NotifyApprovalActivity, ApprovalNotice, string>(context, input);

    /// <summary>Opens the run in the ledger.</summary>
    [Function(nameof(OpenRunActivity))]
    public Task<bool> OpenRunActivityAsync([ActivityTrigger] RunRecord input, FunctionContext context) =>
        Run<OpenRunActivity, RunRecord, bool>(context, input);

    /// <summary>Writes a step to the ledger.</summary>
    [Function(nameof(RecordRunStepActivity))]
    public Task<bool> RecordRunStepActivityAsync([ActivityTrigger] RecordRunStep input, FunctionContext context) =>
        Run<RecordRunStepActivity, RecordRunStep, bool>(context, input);

    /// <summary>Records the run's outcome.</summary>
    [Function(nameof(CloseRunActivity))]
    public Task<bool> CloseRunActivityAsync([ActivityTrigger] CloseRun input, FunctionContext context) =>
        Run<CloseRunActivity, CloseRun, bool>(context, input);

    /// <summary>Starts, or joins, another server's run (3.2 needing 3.1 on its mailbox server).</summary>
    [Function(nameof(StartServerRunActivity))]
    public Task<ServerRunTicket> StartServerRunActivityAsync([ActivityTrigger] ServerRunRequest input, [DurableClient] DurableTaskClient durable, FunctionContext context) =>
        Run<StartServerRunActivity, ServerRunRequest, ServerRunTicket>(context, input, durable);

    /// <summary>Reads a run's outcome from the ledger.</summary>
    [Function(nameof(ReadRunOutcomeActivity))]
    public Task<RunOutcome> ReadRunOutcomeActivityAsync([ActivityTrigger] string runId, FunctionContext context) =>
        Run<ReadRunOutcomeActivity, string, RunOutcome>(context, runId);

    Task<TOut> Run<TActivity, TIn, TOut>(FunctionContext context, TIn input, params object[] bindings) where TActivity : TaskActivity<TIn, TOut> =>
        ActivatorUtilities.CreateInstance<TActivity>(services, bindings).RunAsync(
            new FunctionActivityContext(new TaskName(typeof(TActivity).Name), context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : ""),
            input);

    /// <summary>The activity context the engine's activities receive when Functions hosts them.</summary>
    sealed class FunctionActivityContext(TaskName name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name => name;

        public override string InstanceId => instanceId;
    }
}
