using Remediation.Imap;
using Remediation.Runs;
using Remediation.Safety;
using Remediation.Topology;
using static Remediation.Recovery.RecoveryTestHost;

namespace Remediation.Recovery;

/// <summary>
/// Every gate a step passes (PLAYBOOKS.md section 4): approval and four eyes, the safety gate's refusals (blast radius,
/// throttle, maintenance) and its check ahead, the operator's cancel, dry run and the plan preview, on the real
/// orchestrator with the agent's answers scripted.
/// </summary>
public sealed class GateTests
{
    const string Mbx = "MBX1";
    const string Cas = "CAS1";
    static readonly string DeepTest = ImapHealthModel.DeepTestMonitor.Name;
    static readonly string Ctp = ImapHealthModel.CtpMonitor.Name;

    [Fact]
    public async Task Approval_an_approved_restart_goes_ahead_and_names_the_approver()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 /* verify, verify again after the approval, after the restart */ };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));

        var waiting = await host.ApprovalAskedAsync(id);
        Assert.Empty(world.Changes);
        await host.DecideAsync(id, waiting, approved: true, "alice");

        Assert.Equal(RunOutcome.Recovered, await host.EndAsync(id));
        Assert.Equal([$"RestartService {Mbx} {ImapServices.BackEnd}"], world.Changes);
        Assert.Contains(world.Steps, s => s.Outcome == StepOutcome.Approved && s.Answer!.Contains("alice", StringComparison.Ordinal));
        Assert.Equal(waiting.ApprovalStep, Assert.Single(world.ApprovalNotices).Step);
    }

    [Fact]
    public async Task Approval_a_rejection_ends_the_run_Rejected_with_nothing_done()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));

        await host.DecideAsync(id, await host.ApprovalAskedAsync(id), approved: false, "bob");

        Assert.Equal(RunOutcome.Rejected, await host.EndAsync(id));
        Assert.Empty(world.Changes);
        Assert.Single(world.Escalations);
    }

    [Fact]
    public async Task Approval_no_decision_in_time_escalates_without_acting()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        var outcome = await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService], approvalTimeout: TimeSpan.FromMilliseconds(300))));

        Assert.Equal(RunOutcome.Escalated, outcome);
        Assert.Empty(world.Changes);
        Assert.Contains(world.Steps, s => s.Outcome == StepOutcome.TimedOut);
    }

    [Fact]
    public async Task Approval_a_decision_for_another_step_is_ignored()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 /* verify, verify again after the approval, after the restart */ };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));
        var waiting = await host.ApprovalAskedAsync(id);

        await host.DecideAsync(id, waiting with { ApprovalStep = waiting.ApprovalStep + 7 }, approved: true, "mallory");
        await host.DecideAsync(id, waiting, approved: true, "alice");

        Assert.Equal(RunOutcome.Recovered, await host.EndAsync(id));
        Assert.DoesNotContain(world.Steps, s => s.Answer?.Contains("mallory", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Approval_the_failure_gone_during_the_wait_means_the_approved_step_is_not_done()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n >= 2 };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));

        await host.DecideAsync(id, await host.ApprovalAskedAsync(id), approved: true, "alice");

        Assert.Equal(RunOutcome.Transient, await host.EndAsync(id));
        Assert.Empty(world.Changes);
    }

    [Fact]
    public async Task Four_eyes_one_approver_twice_is_not_two_and_a_second_person_lets_it_go()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 /* verify, verify again after the approval, after the restart */ };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(fourEyes: [DisruptiveAction.RestartService])));
        var waiting = await host.ApprovalAskedAsync(id);
        Assert.Equal(2, waiting.ApprovalsNeeded);

        await host.DecideAsync(id, waiting, approved: true, "alice");
        await host.ApprovalAskedAsync(id, approvedBy: "alice (alice-oid)");
        await host.DecideAsync(id, waiting, approved: true, "alice");
        await Task.Delay(200);
        Assert.Empty(world.Changes);
        await host.DecideAsync(id, waiting, approved: true, "bob");

        Assert.Equal(RunOutcome.Recovered, await host.EndAsync(id));
        Assert.Contains(world.Steps, s => s.Outcome == StepOutcome.Approved && s.Answer!.Contains("alice (alice-oid) and bob (bob-oid)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Four_eyes_a_rejection_after_one_approval_wins()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(fourEyes: [DisruptiveAction.RestartService])));
        var waiting = await host.ApprovalAskedAsync(id);

        await host.DecideAsync(id, waiting, approved: true, "alice");
        await host.ApprovalAskedAsync(id, approvedBy: "alice (alice-oid)");
        await host.DecideAsync(id, waiting, approved: false, "bob");

        Assert.Equal(RunOutcome.Rejected, await host.EndAsync(id));
        Assert.Empty(world.Changes);
    }

    [Fact]
    public async Task Blast_radius_refused_at_the_check_ahead_means_the_server_is_never_drained()
    {
        var world = new StandInWorld
        {
            Safety = r => r.Action == DisruptiveAction.ServerRestart ? new SafetyVerdict(false, RunOutcome.Rejected, "DB1 would have no other healthy copy.") : SafetyVerdict.Allow("ok"),
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Rejected, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Equal([$"RestartService {Mbx} {ImapServices.BackEnd}"], world.Changes);
        Assert.False(world.ActivationDisabled(Mbx));
        Assert.True(world.HoldReleased);
        var ahead = Assert.Single(world.SafetyChecks, c => c.Action == DisruptiveAction.ServerRestart);
        Assert.True(ahead.Preview, "a check ahead takes no throttle slot and no hold");
        Assert.Contains("nothing was done", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttle_a_throttled_restart_is_not_taken_and_the_run_says_why()
    {
        var world = new StandInWorld { Safety = _ => new SafetyVerdict(false, RunOutcome.Throttled, "RestartService on MBX1: 1 per 60 minutes, last at 02:10.") };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Throttled, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Empty(world.Changes);
        Assert.Contains(world.Steps, s => s.Outcome == StepOutcome.Throttled);
        Assert.Contains("1 per 60 minutes", world.Closed!.Reason, StringComparison.Ordinal);
        Assert.Single(world.Escalations);
    }

    [Fact]
    public async Task Maintenance_a_window_opened_after_the_restart_keeps_the_server_drained_and_its_hold()
    {
        var world = new StandInWorld
        {
            ProbePasses = (_, n) => n == 3,
            Maintenance = s => new(new OpenMaintenance("w1", s, null, "patching"), $"{s} is in maintenance window w1 with no end."),
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.DoesNotContain($"SetActivationDisabled {Mbx} False", world.Changes);
        Assert.True(world.ActivationDisabled(Mbx));
        Assert.False(world.HoldReleased);
        Assert.Contains("release-hold", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_during_an_approval_wait_ends_Cancelled_with_nothing_done()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));
        await host.ApprovalAskedAsync(id);

        await host.Client.RaiseEventAsync(id, RunEvents.Cancel, "carol");

        Assert.Equal(RunOutcome.Cancelled, await host.EndAsync(id));
        Assert.Empty(world.Changes);
        Assert.Contains("carol", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_in_playbook_3_2_still_turns_protocol_logging_off_and_restarts_the_service_that_applies_it()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Cas, ServerRole.ClientAccess, Ctp, Settings(approvals: [DisruptiveAction.ServerRestart]), probeMailboxServer: Mbx));
        await host.ApprovalAskedAsync(id);
        Assert.True(world.ProtocolLogging(Cas));

        await host.Client.RaiseEventAsync(id, RunEvents.Cancel, "carol");

        Assert.Equal(RunOutcome.Cancelled, await host.EndAsync(id));
        Assert.False(world.ProtocolLogging(Cas));
        Assert.Equal([$"SetProtocolLogging {Cas} False", $"RestartService {Cas} {ImapServices.FrontEnd}"], world.Changes.TakeLast(2));
        Assert.DoesNotContain($"RestartServer {Cas}", world.Changes);
    }

    [Fact]
    public async Task Dry_run_walks_the_whole_playbook_and_changes_nothing()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        var outcome = await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(dryRun: true, approvals: [DisruptiveAction.ServerRestart])));

        Assert.Equal(RunOutcome.Escalated, outcome);
        Assert.Empty(world.Changes);
        Assert.Empty(world.ApprovalNotices);
        Assert.All(world.SafetyChecks, c => Assert.True(c.Preview, "a dry run takes no throttle slot and no hold"));
        Assert.Contains(world.Steps, s => s.Name == "Restart server" && s.Outcome == StepOutcome.DryRun);
        Assert.True(Assert.Single(world.Escalations).DryRun);
    }

    [Fact]
    public async Task Preview_shows_the_worst_path_and_writes_nothing_anywhere()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        var preview = await host.PreviewAsync(Request(Cas, ServerRole.ClientAccess, Ctp, probeMailboxServer: Mbx));

        Assert.Equal(RunOutcome.Escalated, preview.Outcome);
        Assert.Empty(world.Changes);
        Assert.Null(world.Opened);
        Assert.Empty(world.Steps);
        Assert.Empty(world.Escalations);
        Assert.DoesNotContain(world.AgentCalls, c => c.StartsWith("Probe", StringComparison.Ordinal));
        var names = preview.Steps.Select(s => s.Name).ToList();
        Assert.Equal("Re-run probe", names[0]);
        Assert.Contains("Restart server", names);
        Assert.Equal("Turn protocol logging off", names[^3]);
        Assert.Equal(Enumerable.Range(1, names.Count), preview.Steps.Select(s => s.Sequence));
    }
}
