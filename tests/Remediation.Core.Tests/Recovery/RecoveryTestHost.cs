using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Remediation.Alerts;
using Remediation.Imap;
using Remediation.Runs;
using Remediation.Safety;
using Remediation.Topology;

namespace Remediation.Recovery;

/// <summary>
/// The real <see cref="ImapRecoveryOrchestrator"/> and <see cref="PlanPreviewOrchestrator"/> on the Durable SDK's
/// in-process test host (its in-memory backend behind a gRPC sidecar on 127.0.0.1), with a <see cref="StandInWorld"/>'s
/// activities: real replay, real durable timers and external events, in milliseconds.
/// </summary>
internal sealed class RecoveryTestHost : IAsyncDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    readonly DurableTaskTestHost host;

    RecoveryTestHost(DurableTaskTestHost host) => this.host = host;

    public DurableTaskClient Client => host.Client;

    public static async Task<RecoveryTestHost> StartAsync(StandInWorld world)
    {
        // The SDK's host picks a random port in 30000-40000 unless told: parallel test classes (and Linux's ephemeral
        // range, 32768-60999, where outgoing connections take their source ports) collided there ("address already in
        // use"). A port below the ephemeral range and away from the lab's 20000-29999, tried again if taken.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new(await DurableTaskTestHost.StartAsync(
                    tasks =>
                    {
                        tasks.AddOrchestrator<ImapRecoveryOrchestrator>();
                        tasks.AddOrchestrator<PlanPreviewOrchestrator>();
                        world.Register(tasks);
                    },
                    new DurableTaskTestHostOptions { Port = System.Security.Cryptography.RandomNumberGenerator.GetInt32(10000, 20000) }));
            }
            catch (IOException) when (attempt < 10)
            {
                // Taken: another port.
            }
        }
    }

    /// <summary>Fast settings: every wait in milliseconds, nothing approved by default.</summary>
    public static RecoverySettings Settings(bool dryRun = false, DisruptiveAction[]? approvals = null, DisruptiveAction[]? fourEyes = null, TimeSpan? approvalTimeout = null) => new()
    {
        DryRun = dryRun,
        RecheckWait = TimeSpan.FromMilliseconds(20),
        ApprovalRequiredFor = approvals ?? [],
        ApprovalTimeout = approvalTimeout ?? TimeSpan.FromSeconds(20),
        OtherRunWait = TimeSpan.FromSeconds(2),
        PollInterval = TimeSpan.FromMilliseconds(20),
        CopySettleWait = TimeSpan.FromMilliseconds(200),
        RestartWait = TimeSpan.FromMilliseconds(200),
        MaintenanceWait = TimeSpan.FromMilliseconds(500),
        TwoApproversFor = fourEyes ?? [],
    };

    public static RecoveryRequest Request(string server, ServerRole role, string monitor, RecoverySettings? settings = null, string? probeMailboxServer = null)
    {
        var definition = ImapHealthModel.FindMonitor(monitor) ?? throw new ArgumentException($"No monitor {monitor}.", nameof(monitor));
        var alert = new Alert($"alert-{server}", server, definition.HealthSet, monitor, "Probe", $"{monitor} Unhealthy", StandInWorld.BootedAt);
        return new RecoveryRequest($"{server.ToLowerInvariant()}-run-1", server, role, definition.HealthSet, monitor, alert, settings ?? Settings(), probeMailboxServer);
    }

    /// <summary>Starts the run as the product does (the current orchestration version, unless told); returns its instance ID.</summary>
    public Task<string> StartAsync(RecoveryRequest request, string? version = RecoveryVersions.Current) =>
        Client.ScheduleNewOrchestrationInstanceAsync(nameof(ImapRecoveryOrchestrator), request, new StartOrchestrationOptions(RecoveryInstance.IdFor(request.Server)) { Version = version });

    /// <summary>Runs <paramref name="request"/> to its end; the run's outcome.</summary>
    public async Task<RunOutcome> RunAsync(RecoveryRequest request, string? version = RecoveryVersions.Current) => await EndAsync(await StartAsync(request, version));

    public async Task<RunOutcome> EndAsync(string instanceId)
    {
        using var patience = new CancellationTokenSource(Patience);
        var done = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, patience.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"The orchestration ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
        return done.ReadOutputAs<RunOutcome>();
    }

    /// <summary>Waits until the run asks for approval (its custom status names the step); the status.</summary>
    public async Task<RunStatus> ApprovalAskedAsync(string instanceId, string? approvedBy = null)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (true)
        {
            var instance = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, patience.Token);
            if (instance?.ReadCustomStatusAs<RunStatus>() is { AwaitingApproval: not null } status
                && (approvedBy is null || status.ApprovedBy?.Contains(approvedBy) == true))
            {
                return status;
            }

            if (instance is { IsCompleted: true })
            {
                Assert.Fail($"The run ended {instance.RuntimeStatus} without asking for approval: {instance.SerializedOutput}.");
            }

            await Task.Delay(10, patience.Token);
        }
    }

    /// <summary>Sends an operator's decision for the step the run waits on.</summary>
    public Task DecideAsync(string instanceId, RunStatus waiting, bool approved, string by, string? runId = null) =>
        Client.RaiseEventAsync(instanceId, RunEvents.Approval, new ApprovalDecision(approved, by, null, waiting.AwaitingApproval, waiting.ApprovalStep, $"{by}-oid", runId ?? waiting.RunId));

    /// <summary>Runs the plan preview for <paramref name="request"/> (made a dry-run preview) to its end.</summary>
    public async Task<PlanPreview> PreviewAsync(RecoveryRequest request)
    {
        var input = request with { Settings = request.Settings with { DryRun = true }, Preview = true, RunId = $"plan-preview-{request.Server}" };
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(nameof(PlanPreviewOrchestrator), input, new StartOrchestrationOptions { Version = RecoveryVersions.Current });
        using var patience = new CancellationTokenSource(Patience);
        var done = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, patience.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"The preview ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
        return done.ReadOutputAs<PlanPreview>()!;
    }

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
