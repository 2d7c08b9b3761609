using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Lab.Agent;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>
/// The run reconciler's other branches (the terminated one is in <see cref="CasPlaybookTests"/>, the drained one in
/// <see cref="MaintenanceTests"/>): a run whose orchestration vanished, and one whose instance now runs a later run of
/// the same server. Asserted on the ledger, the safety store, the monitor board and the lab's own state.
/// </summary>
[Collection(nameof(OrganisationCollection))]
public sealed class RunReconcilerTests(OrganisationFixture org) : IAsyncLifetime
{
    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    static RunRecord Running(string runId, string server, DateTimeOffset startedAt, params RunStep[] steps) =>
        new(runId, RecoveryInstance.IdFor(server), server, ImapHealthModel.ProtocolHealthSet, ImapHealthModel.DeepTestMonitor.Name, startedAt, null, RunOutcome.Running, null, steps, []);

    static RunStep Step(int sequence, string name, DateTimeOffset at) =>
        new(sequence, name, name, new Dictionary<string, string>(), at, at, StepOutcome.Succeeded, "done");

    [Fact]
    public async Task A_run_whose_orchestration_vanished_is_closed_after_the_grace_its_hold_released_its_monitors_released_and_escalated()
    {
        await using var host = await org.StartHostAsync();
        var ledger = host.Get<IRunLedger>();
        var safety = host.Get<ISafetyStore>();
        var board = host.Get<MonitorBoard>();
        var now = TimeProvider.System.GetUtcNow();

        // MBX2 really fails (its back end is down) until its monitor is Unhealthy; a run (whose instance was purged) took
        // the DAG's hold and put the monitor in Repairing. A second run started a moment ago is still within the grace.
        await org.Lab.MailboxServers["MBX2"].StopAsync();
        for (var i = 0; i < 10 && !board.Snapshot("MBX2").Any(m => m.AlertValue == HealthState.Unhealthy); i++)
        {
            board.Record(await host.Get<ProbeRunner>().RunAsync("MBX2", ImapHealthModel.DeepTestMonitor.Probe!, default));
        }

        await board.BeginRepairAsync("MBX2", default);
        Assert.Contains(board.Snapshot("MBX2"), m => m.AlertValue == HealthState.Repairing);
        await ledger.OpenAsync(Running("mbx2-vanished", "MBX2", now - TimeSpan.FromMinutes(10)), default);
        await safety.ChangeAsync(LabOrganisation.Dag, s => (s with { HolderRunId = "mbx2-vanished", HolderServer = "MBX2", HeldSince = now }, true), default);
        await ledger.OpenAsync(Running("mbx1-just-started", "MBX1", now), default);

        var pass = await ActivatorUtilities.CreateInstance<RunReconciler>(host.App.Services).RunOnceAsync(default);

        Assert.Equal(1, pass.Closed);
        var vanished = (await ledger.GetAsync("mbx2-vanished", default))!;
        vanished.AssertOutcome(RunOutcome.Failed);
        Assert.Contains($"its orchestration {RecoveryInstance.IdFor("MBX2")} no longer exists", vanished.Reason, StringComparison.Ordinal);
        Assert.NotNull(vanished.Escalation);
        Assert.Null((await safety.GetAsync(LabOrganisation.Dag, default)).HolderRunId);
        Assert.DoesNotContain(board.Snapshot("MBX2"), m => m.AlertValue == HealthState.Repairing);
        Assert.Contains(board.Snapshot("MBX2"), m => m.AlertValue == HealthState.Unhealthy); // it alerts again
        Assert.Equal(RunOutcome.Running, (await ledger.GetAsync("mbx1-just-started", default))!.Outcome);
    }

    [Fact]
    public async Task A_run_whose_orchestration_failed_is_closed_failed_with_the_engines_error_and_escalated()
    {
        await using var host = await org.StartHostAsync();
        var ledger = host.Get<IRunLedger>();
        var durable = host.Get<DurableTaskClient>();
        var now = TimeProvider.System.GetUtcNow();

        // A real failure in the real engine: the instance of MBX2's run names an orchestrator this build does not have
        // (what a deploy that renamed one does to a run in flight).
        await ledger.OpenAsync(Running("mbx2-failed", "MBX2", now - TimeSpan.FromMinutes(5)), default);
        var input = new RecoveryRequest("mbx2-failed", "MBX2", Topology.ServerRole.Mailbox, ImapHealthModel.ProtocolHealthSet, ImapHealthModel.DeepTestMonitor.Name,
            PlaybookHarness.Alert("MBX2", ImapHealthModel.ProtocolHealthSet, ImapHealthModel.DeepTestMonitor.Name), new RecoverySettings());
        await durable.ScheduleNewOrchestrationInstanceAsync("ImapRecoveryOrchestratorRenamed", input, new Microsoft.DurableTask.StartOrchestrationOptions(RecoveryInstance.IdFor("MBX2")));
        using var ended = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var instance = await durable.WaitForInstanceCompletionAsync(RecoveryInstance.IdFor("MBX2"), ended.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, instance.RuntimeStatus);

        var pass = await ActivatorUtilities.CreateInstance<RunReconciler>(host.App.Services).RunOnceAsync(default);

        Assert.Equal(1, pass.Closed);
        var run = (await ledger.GetAsync("mbx2-failed", default))!;
        run.AssertOutcome(RunOutcome.Failed);
        Assert.Contains("its orchestration failed (", run.Reason, StringComparison.Ordinal);
        Assert.Contains("ImapRecoveryOrchestratorRenamed", run.Reason, StringComparison.Ordinal);
        Assert.NotNull(run.Escalation);
    }

    [Fact]
    public async Task A_run_replaced_by_a_later_run_of_its_server_is_closed_without_touching_what_the_live_run_owns()
    {
        var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "ServerRestart",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:05:00",
        });
        await using var _ = host;
        await host.ProbedHealthyAsync("CAS2");
        var ledger = host.Get<IRunLedger>();
        var now = TimeProvider.System.GetUtcNow();

        // The live CTP run on CAS1 has turned protocol logging on and waits for approval to restart CAS1. An older run of
        // CAS1, which had also turned logging on, was left Running in the ledger when its instance was reused.
        await org.Lab.ClientAccessServers["CAS1"].StopAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "CAS1", FaultMode.Ineffective, null));
        var live = await host.StartAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ImapHealthSet, "ImapCTPMonitor"));
        await host.WaitForApprovalRequestAsync("CAS1");
        Assert.True(org.Organisation.ProtocolLogEnabled("CAS1"));
        await ledger.OpenAsync(Running("cas1-older", "CAS1", now - TimeSpan.FromHours(1), Step(1, "Turn protocol logging on", now - TimeSpan.FromHours(1))), default);

        var pass = await ActivatorUtilities.CreateInstance<RunReconciler>(host.App.Services).RunOnceAsync(default);

        Assert.Equal(1, pass.Closed);
        var older = (await ledger.GetAsync("cas1-older", default))!;
        older.AssertOutcome(RunOutcome.Failed);
        Assert.Contains($"now runs a later run ({live})", older.Reason, StringComparison.Ordinal);
        Assert.Contains($"is left to {live}", older.Reason, StringComparison.Ordinal);

        // What really happened: the live run goes on, the lab's CAS1 still logs for it, and the agent was not asked.
        Assert.Equal(RunOutcome.Running, (await ledger.GetAsync(live, default))!.Outcome);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await host.Get<DurableTaskClient>().GetInstanceAsync(RecoveryInstance.IdFor("CAS1")))!.RuntimeStatus);
        Assert.True(org.Organisation.ProtocolLogEnabled("CAS1"));
        Assert.Empty(await host.ActionsAsync("cas1-older"));
    }
}
