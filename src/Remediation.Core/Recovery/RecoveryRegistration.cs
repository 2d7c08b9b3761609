using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Escalation;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>Registers recovery: its settings, the alert pump that starts runs, and every Durable task of the engine.</summary>
public static class RecoveryRegistration
{
    /// <summary>
    /// Every orchestrator of the engine. Function name = class name: the Functions app's wrappers must match this list
    /// (a test in Remediation.Functions.Tests fails when they drift).
    /// </summary>
    public static IReadOnlyList<Type> Orchestrators { get; } = [typeof(ImapRecoveryOrchestrator), typeof(PlanPreviewOrchestrator)];

    /// <summary>Every activity of the engine (see <see cref="Orchestrators"/>).</summary>
    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(RunImapProbeActivity),
        typeof(ReadServerHealthActivity),
        typeof(ConfirmWithExchangeActivity),
        typeof(LocateProbeMailboxActivity),
        typeof(ReadImapCountersActivity),
        typeof(RestartImapServiceActivity),
        typeof(RestartServerActivity),
        typeof(ReadServerStateActivity),
        typeof(SetDatabaseCopyActivationActivity),
        typeof(ActivatePreferredOnServerActivity),
        typeof(ReadDatabaseCopyStatusActivity),
        typeof(SetImapProtocolLoggingActivity),
        typeof(ReadImapSettingsActivity),
        typeof(CheckSafetyActivity),
        typeof(CheckMaintenanceActivity),
        typeof(ReleaseDisruptionActivity),
        typeof(EscalateActivity),
        typeof(NotifyApprovalActivity),
        typeof(OpenRunActivity),
        typeof(RecordRunStepActivity),
        typeof(CloseRunActivity),
        typeof(StartServerRunActivity),
        typeof(ReadRunOutcomeActivity),
    ];

    /// <summary>
    /// Recovery and pump settings. The pump itself needs a <see cref="Microsoft.DurableTask.Client.DurableTaskClient"/>,
    /// which only the standalone host has in its container (a Functions worker gets one per invocation through
    /// [DurableClient]): each host creates it with the client it has (RemediationHost registers it; AlertPumpTimer
    /// creates one per run).
    /// </summary>
    public static IServiceCollection AddRecovery(this IServiceCollection services)
    {
        services.AddValidatedOptions<RecoverySettings>(RecoverySettings.Section);
        services.AddValidatedOptions<AlertPumpOptions>(AlertPumpOptions.Section);
        services.AddSingleton<PlanPreviews>();
        return services;
    }

    /// <summary>Registers <see cref="Orchestrators"/> and <see cref="Activities"/> with a Durable worker.</summary>
    public static DurableTaskRegistry AddRemediationTasks(this DurableTaskRegistry registry)
    {
        foreach (var orchestrator in Orchestrators)
        {
            registry.AddOrchestrator(orchestrator);
        }

        foreach (var activity in Activities)
        {
            registry.AddActivity(activity);
        }

        return registry;
    }
}
