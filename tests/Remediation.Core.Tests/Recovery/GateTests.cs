using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Probes;
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
    public async Task Exchange_our_probe_account_failing_while_Exchange_says_healthy_touches_nothing_and_says_whose_problem_it_is()
    {
        var world = new StandInWorld
        {
            FailedProbe = r => StandInWorld.Failed(r, ProbePhase.Auth, DependencyArea.Authentication, "AUTHENTICATIONFAILED"),
            ExchangeProbe = _ => ProbeResultTypes.Succeeded,
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Empty(world.Changes);
        Assert.Equal(["Probe MBX1 ImapDeepTestProbe", "ReadHealth MBX1", "ProbeExchange MBX1 ImapDeepTestProbe"], world.AgentCalls);
        Assert.Contains("Exchange does not agree", world.Closed!.Reason, StringComparison.Ordinal);
        Assert.Contains("probe account", world.Closed.Reason, StringComparison.Ordinal);
        Assert.Equal(StepOutcome.Rejected, world.Steps.Single(s => s.Name == "Confirm with Exchange").Outcome);
        Assert.Single(world.Escalations);
    }

    [Theory]
    [InlineData("Quarantined")]
    [InlineData("Rejected")]
    [InlineData("Unknown")]
    public async Task Exchange_a_probe_that_gives_no_verdict_is_no_confirmation_and_touches_nothing(string resultType)
    {
        var world = new StandInWorld { ExchangeProbe = _ => resultType };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Empty(world.Changes);
        Assert.Contains($"gave no verdict (Invoke-MonitoringProbe IMAP.Protocol\\ImapDeepTestProbe: {resultType})", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exchange_an_Unhealthy_row_is_agreement_without_running_Exchanges_probe()
    {
        var world = new StandInWorld { Health = s => StandInWorld.Rows(s, unhealthyMonitor: DeepTest), ExchangeProbe = _ => ProbeResultTypes.Succeeded, ProbePasses = (_, n) => n == 2 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.DoesNotContain(world.AgentCalls, c => c.StartsWith("ProbeExchange", StringComparison.Ordinal));
        Assert.Equal([$"RestartService {Mbx} {ImapServices.BackEnd}"], world.Changes);
    }

    [Fact]
    public async Task Exchange_a_healthy_row_whose_own_probe_fails_is_agreement_Managed_Availability_lags_its_probes()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 2 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp)));
        Assert.Contains("ProbeExchange CAS1 ImapCTPProbe", world.AgentCalls);
        Assert.Equal(StepOutcome.Succeeded, world.Steps.Single(s => s.Name == "Confirm with Exchange").Outcome);
    }

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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Maintenance_after_waiting_for_a_window_to_close_the_failure_is_verified_again_before_failing_back(bool failsAgain)
    {
        var looks = 0;
        var world = new StandInWorld
        {
            // Verify, after the service restart, after the server restart (passes), after the maintenance wait.
            ProbePasses = (_, n) => n == 3 || (n == 4 && !failsAgain),
            Maintenance = s => Interlocked.Increment(ref looks) == 1
                ? new(new OpenMaintenance("w1", s, TimeProvider.System.GetUtcNow().AddMilliseconds(300), "patching"), $"{s} is in maintenance window w1.")
                : new(null, $"{s} is in no maintenance window."),
        };
        await using var host = await StartAsync(world);

        var outcome = await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest));

        Assert.Equal(4, world.AgentCalls.Count(c => c.StartsWith("Probe ", StringComparison.Ordinal)));
        if (failsAgain)
        {
            Assert.Equal(RunOutcome.Escalated, outcome);
            Assert.DoesNotContain($"SetActivationDisabled {Mbx} False", world.Changes);
            Assert.True(world.ActivationDisabled(Mbx));
            Assert.False(world.HoldReleased);
            Assert.Contains("fails again after waiting for maintenance window w1", world.Closed!.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(RunOutcome.Recovered, outcome);
            Assert.Equal([$"SetActivationDisabled {Mbx} False", $"ActivatePreferred {Mbx}"], world.Changes.TakeLast(2));
            Assert.True(world.HoldReleased);
        }
    }

    [Fact]
    public async Task Hold_a_drain_whose_answer_was_lost_after_Exchange_acted_keeps_the_hold_and_says_what_was_read_back()
    {
        var world = new StandInWorld { LostAnswer = "SetActivationDisabled" };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Failed, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.True(world.ActivationDisabled(Mbx));
        Assert.False(world.HoldReleased);
        Assert.DoesNotContain($"RestartServer {Mbx}", world.Changes);
        Assert.Contains("Read back: activation is disabled on MBX1", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_a_drain_that_failed_before_Exchange_acted_is_read_back_and_the_hold_released()
    {
        var world = new StandInWorld { FailingOperation = "SetActivationDisabled" };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Failed, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.False(world.ActivationDisabled(Mbx));
        Assert.True(world.HoldReleased);
        Assert.Contains("nothing changed, the server is not drained", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_a_decision_or_a_cancel_naming_an_earlier_run_of_the_server_changes_nothing()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));
        var waiting = await host.ApprovalAskedAsync(id);

        // Same instance, same step and action: only the run ID says they were meant for the server's previous run.
        await host.DecideAsync(id, waiting, approved: false, "mallory", runId: "mbx1-run-0");
        await host.Client.RaiseEventAsync(id, RunEvents.Cancel, new RunCancel("mbx1-run-0", "mallory"));
        await host.DecideAsync(id, waiting, approved: true, "alice");

        Assert.Equal(RunOutcome.Recovered, await host.EndAsync(id));
        Assert.Equal([$"RestartService {Mbx} {ImapServices.BackEnd}"], world.Changes);
        Assert.DoesNotContain("mallory", string.Join(" ", world.Steps.Select(s => s.Answer)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_is_asked_only_for_what_the_gate_would_allow_now()
    {
        var world = new StandInWorld
        {
            Safety = r => r.Action == DisruptiveAction.ServerRestart ? new SafetyVerdict(false, RunOutcome.Throttled, "ServerRestart on MBX1: 1 per 12 hours.") : SafetyVerdict.Allow("allowed"),
        };
        await using var host = await StartAsync(world);

        var outcome = await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.ServerRestart])));

        Assert.Equal(RunOutcome.Throttled, outcome);
        Assert.Empty(world.ApprovalNotices);
        Assert.DoesNotContain(world.Steps, s => s.Name.StartsWith("Approval for", StringComparison.Ordinal));
        Assert.Contains("nobody was asked", world.Closed!.Reason, StringComparison.Ordinal);
        Assert.Equal([$"RestartService {Mbx} {ImapServices.BackEnd}"], world.Changes);
    }

    [Fact]
    public async Task Versions_a_run_started_before_this_version_replays_as_it_began_and_takes_a_decision_and_cancel_that_name_no_run()
    {
        // Version 1 (no version: started before runs had one) took no Exchange confirmation and no check before
        // asking; after a deploy its history must replay the same calls, or Durable fails it as non-deterministic.
        var world = new StandInWorld { ExchangeProbe = _ => ProbeResultTypes.Succeeded /* version 2 would stop here */, ProbePasses = (_, n) => n == 3 };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])), version: null);
        var waiting = await host.ApprovalAskedAsync(id);

        await host.Client.RaiseEventAsync(id, RunEvents.Approval, new ApprovalDecision(true, "alice", null, waiting.AwaitingApproval, waiting.ApprovalStep, "alice-oid"));
        Assert.Equal(RunOutcome.Recovered, await host.EndAsync(id));

        Assert.DoesNotContain(world.Steps, s => s.Name is "Confirm with Exchange" || s.Name.StartsWith("Safety check before asking", StringComparison.Ordinal));
        Assert.DoesNotContain(world.AgentCalls, c => c.StartsWith("ProbeExchange", StringComparison.Ordinal));
        Assert.Contains($"RestartService {Mbx} {ImapServices.BackEnd}", world.Changes);
    }

    [Fact]
    public async Task Versions_the_version_in_the_runs_input_holds_where_a_backend_keeps_none()
    {
        var world = new StandInWorld { ExchangeProbe = _ => ProbeResultTypes.Succeeded };
        await using var host = await StartAsync(world);

        var request = Request(Mbx, ServerRole.Mailbox, DeepTest) with { Version = RecoveryVersions.CurrentNumber };
        Assert.Equal(RunOutcome.Escalated, await host.EndAsync(await host.StartAsync(request, version: null)));
        Assert.Contains(world.Steps, s => s.Name == "Confirm with Exchange");
        Assert.Empty(world.Changes);
    }

    [Fact]
    public async Task Versions_a_version_2_run_keeps_its_configured_probe_mailbox_server_and_reads_nothing_new()
    {
        var world = new StandInWorld { ProbeMailboxAt = _ => "MBX2", ProbePasses = (_, n) => n == 4 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp, probeMailboxServer: Mbx), version: "2"));
        Assert.DoesNotContain(world.AgentCalls, c => c.StartsWith("ReadProbeMailbox", StringComparison.Ordinal));
        Assert.Contains($"ReadHealth {Mbx}", world.AgentCalls);
    }

    [Fact]
    public async Task Versions_a_version_1_run_takes_a_cancel_that_names_only_who()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])), version: "1");
        await host.ApprovalAskedAsync(id);

        await host.Client.RaiseEventAsync(id, RunEvents.Cancel, "carol");

        Assert.Equal(RunOutcome.Cancelled, await host.EndAsync(id));
        Assert.Contains("carol", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_a_current_run_ignores_a_cancel_that_names_no_run()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));
        var waiting = await host.ApprovalAskedAsync(id);

        await host.Client.RaiseEventAsync(id, RunEvents.Cancel, "mallory");
        await host.DecideAsync(id, waiting, approved: true, "alice");

        Assert.Equal(RunOutcome.Recovered, await host.EndAsync(id));
    }

    [Fact]
    public async Task Cancel_during_an_approval_wait_ends_Cancelled_with_nothing_done()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));
        await host.ApprovalAskedAsync(id);

        await host.Client.RaiseEventAsync(id, RunEvents.Cancel, new RunCancel(Request(Mbx, ServerRole.Mailbox, DeepTest).RunId, "carol"));

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

        await host.Client.RaiseEventAsync(id, RunEvents.Cancel, new RunCancel("cas1-run-1", "carol"));

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
    public async Task Preview_shows_the_check_before_an_approval_and_the_reprobe_after_it_as_the_run_takes_them()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        var preview = await host.PreviewAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, Settings(approvals: [DisruptiveAction.RestartService])));

        var names = preview.Steps.Select(s => s.Name).ToList();
        var asked = names.IndexOf("Approval for: Restart MSExchangeIMAP4BE");
        Assert.Equal("Safety check before asking: Restart MSExchangeIMAP4BE", names[asked - 1]);
        Assert.Equal("Re-run probe", names[asked + 1]);
        Assert.Equal("Safety check: Restart MSExchangeIMAP4BE", names[asked + 2]);
        Assert.Empty(world.Changes);
        Assert.Empty(world.ApprovalNotices);
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
