using Remediation.Imap;
using Remediation.Probes;
using Remediation.Runs;
using Remediation.Safety;
using Remediation.Topology;
using static Remediation.Recovery.RecoveryTestHost;

namespace Remediation.Recovery;

/// <summary>
/// Every branch of playbooks 3.1-3.4 and the verification before them (PLAYBOOKS.md sections 2-3), on the real
/// orchestrator; each asserts on what the agent was asked to do, not only on the outcome.
/// </summary>
public sealed class PlaybookTests
{
    const string Mbx = "MBX1";
    const string Cas = "CAS1";
    static readonly string DeepTest = ImapHealthModel.DeepTestMonitor.Name;
    static readonly string Ctp = ImapHealthModel.CtpMonitor.Name;
    static readonly string Proxy = ImapHealthModel.ProxyTestMonitor.Name;
    static readonly string CommandTime = ImapHealthModel.CommandTimeMonitor.Name;

    [Fact]
    public void The_stand_in_world_stands_in_for_every_activity_of_the_engine()
    {
        var world = new StandInWorld();
        world.Register(new Microsoft.DurableTask.DurableTaskRegistry());
        Assert.Equal(RecoveryRegistration.Activities.Select(a => a.Name).Order(), world.StoodIn.Order());
    }

    [Fact]
    public async Task Verification_a_reprobe_that_passes_is_transient_and_touches_nothing()
    {
        var world = new StandInWorld { ProbePasses = (_, _) => true };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Transient, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Empty(world.Changes);
        Assert.True(world.HoldReleased);
        Assert.Empty(world.Escalations);
    }

    [Fact]
    public async Task Verification_an_alert_naming_no_monitor_asks_the_server_and_is_transient_when_none_is_unhealthy()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        var request = Request(Mbx, ServerRole.Mailbox, DeepTest) with { Monitor = null };
        Assert.Equal(RunOutcome.Transient, await host.RunAsync(request));
        Assert.Equal([$"ReadHealth {Mbx}"], world.AgentCalls);
    }

    [Fact]
    public async Task Verification_an_alert_naming_no_monitor_runs_the_playbook_of_the_unhealthy_one()
    {
        var world = new StandInWorld { Health = s => StandInWorld.Rows(s, unhealthyMonitor: DeepTest), ProbePasses = (_, n) => n == 2 };
        await using var host = await StartAsync(world);

        var request = Request(Mbx, ServerRole.Mailbox, DeepTest) with { Monitor = null, HealthSet = ImapHealthModel.ProtocolHealthSet };
        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(request));
        Assert.Equal([$"RestartService {Mbx} {ImapServices.BackEnd}"], world.Changes);
    }

    [Fact]
    public async Task DeepTest_3_1_restarting_the_back_end_recovers()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 2 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Equal([$"RestartService {Mbx} {ImapServices.BackEnd}"], world.Changes);
        Assert.Contains("fixed", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeepTest_3_1_drains_restarts_and_fails_back_when_the_restart_of_the_service_is_not_enough()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Equal(
            [$"RestartService {Mbx} {ImapServices.BackEnd}", $"SetActivationDisabled {Mbx} True", $"RestartServer {Mbx}", $"SetActivationDisabled {Mbx} False", $"ActivatePreferred {Mbx}"],
            world.Changes);
        Assert.False(world.ActivationDisabled(Mbx));
        Assert.True(world.HoldReleased);
        var names = world.Steps.Select(s => s.Name).ToList();
        Assert.True(names.IndexOf("Safety check ahead: Restart server") < names.IndexOf("Fail databases over"), string.Join(" | ", names));
    }

    [Fact]
    public async Task DeepTest_3_1_fail_back_moves_the_databases_back_and_says_where_they_really_ended()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Contains("failed back: DB1 active on MBX1 again", world.Closed!.Reason, StringComparison.Ordinal);
        var move = Assert.Single(world.Steps, s => s.Name == "Move databases back");
        Assert.Equal("Move-ActiveMailboxDatabase -ActivatePreferredOnServer MBX1", move.Operation);
    }

    [Fact]
    public async Task DeepTest_3_1_leaves_activation_disabled_when_an_administrator_had_disabled_it_before_the_run()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 };
        world.DisableActivationBeforehand(Mbx);
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.DoesNotContain($"SetActivationDisabled {Mbx} False", world.Changes);
        Assert.DoesNotContain($"ActivatePreferred {Mbx}", world.Changes);
        Assert.True(world.ActivationDisabled(Mbx));
        Assert.Contains("as it was before this run", world.Closed!.Reason, StringComparison.Ordinal);
        Assert.Contains(world.Steps, s => s.Name == "Read activation as found" && s.Answer!.Contains("DatabaseCopyActivationDisabledAndMoveNow=True", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeepTest_3_1_a_fail_back_that_moves_nothing_is_reported_as_such_not_as_failed_back()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3, DatabasesStayAway = true };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Contains("no database active on MBX1; preferring MBX1 but not back: DB1 (Healthy)", world.Closed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeepTest_3_1_never_restarts_a_server_whose_copies_stay_active()
    {
        var world = new StandInWorld { CopiesStayActive = true };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.DoesNotContain(world.Changes, c => c.StartsWith("RestartServer", StringComparison.Ordinal));
        Assert.True(world.ActivationDisabled(Mbx), "activation stays disabled: fail-back decided none");
        Assert.False(world.HoldReleased, "a server left drained keeps its hold");
        Assert.Contains("DB1", world.Closed!.Reason, StringComparison.Ordinal);
        Assert.Single(world.Escalations);
    }

    [Theory]
    [InlineData("ServiceDown", null, "DB1 on MBX1: ServiceDown")]
    [InlineData("Unknown", "mbx2", "DB1 on MBX1: Unknown, mounted on mbx2")]
    [InlineData("Healthy", "mbx1", "DB1 on MBX1: Healthy, mounted on mbx1")]
    [InlineData("", null, "no database copy of MBX1 was reported")]
    public async Task DeepTest_3_1_never_restarts_a_server_the_copies_do_not_prove_drained(string status, string? activeOn, string said)
    {
        var world = new StandInWorld
        {
            CopiesAnswer = server => new AgentApi.DatabaseCopyStatus(server, status.Length == 0 ? [] : [new AgentApi.DatabaseCopy("DB1", server, status, 1, activeOn)]),
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.DoesNotContain(world.Changes, c => c.StartsWith("RestartServer", StringComparison.Ordinal));
        Assert.Contains(said, world.Closed!.Reason, StringComparison.Ordinal);
        Assert.True(world.ActivationDisabled(Mbx), "activation stays disabled: databases stay off the server");
    }

    /// <summary>
    /// A recovery says what was seen: the failure before and the pass after, with their times; "fixed" only when the
    /// service was seen restarted. A restart that did not take (the service never stopped) while the probe passes is
    /// told as something else having changed.
    /// </summary>
    [Theory]
    [InlineData(true, "Restarting MSExchangeIMAP4BE on MBX1 fixed ImapDeepTestMonitor. Seen: ImapDeepTestProbe failed at ")]
    [InlineData(false, "ImapDeepTestMonitor passes again on MBX1, but MSExchangeIMAP4BE was not seen restarted: something else changed")]
    public async Task A_recovery_names_what_was_seen_to_change(bool restarted, string said)
    {
        var world = new StandInWorld
        {
            ProbePasses = (_, n) => n == 2,
            RestartAnswer = s => restarted
                ? new(s.Server, s.Service, true, 900, $"{s.Service} restarted (pid 4242).", true)
                : new(s.Server, s.Service, true, 10, $"{s.Service} never stopped (pid 17).", false),
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.StartsWith(said, world.Closed!.Reason, StringComparison.Ordinal);
        Assert.Contains("it passed at ", world.Closed.Reason, StringComparison.Ordinal);
        Assert.Contains(restarted ? "(MSExchangeIMAP4BE restarted (pid 4242).)" : "(MSExchangeIMAP4BE never stopped (pid 17).)", world.Closed.Reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// The restart watch shows its real deadline: every look of the watch reports the same span, from when the watch
    /// began to RestartWait later (rounded up to whole looks), not the span of the next poll.
    /// </summary>
    [Fact]
    public async Task The_restart_watch_shows_its_real_deadline_at_every_look()
    {
        var world = new StandInWorld { ServerComesBack = false };
        await using var host = await StartAsync(world);
        var settings = Settings() with { PollInterval = TimeSpan.FromMilliseconds(100), RestartWait = TimeSpan.FromMilliseconds(1050) };
        var id = await host.StartAsync(Request(Mbx, ServerRole.Mailbox, DeepTest, settings));

        var seen = new List<RunStatus>();
        while ((await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true)) is { IsCompleted: false } instance)
        {
            if (instance.ReadCustomStatusAs<RunStatus>() is { CurrentStep: { } step } status && step.Contains("to come back", StringComparison.Ordinal))
            {
                seen.Add(status);
            }

            await Task.Delay(15);
        }

        Assert.True(seen.Count >= 3, $"saw the watch {seen.Count} times");
        var spans = seen.Select(s => (s.WaitingSince, s.WaitingUntil)).Distinct().ToList();
        var (since, until) = Assert.Single(spans);
        Assert.Equal(TimeSpan.FromMilliseconds(1100), until - since); // 11 looks of 100 ms cover 1,050 ms
        Assert.Contains("Waiting up to 00:00:01.0500000 for MBX1 to come back from its restart (a look every 00:00:00.1000000)", seen[0].CurrentStep, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeepTest_3_1_escalates_without_failing_back_when_the_restart_did_not_fix_it()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Contains($"RestartServer {Mbx}", world.Changes);
        Assert.DoesNotContain($"SetActivationDisabled {Mbx} False", world.Changes);
        Assert.True(world.ActivationDisabled(Mbx));
        Assert.False(world.HoldReleased);
    }

    [Fact]
    public async Task DeepTest_3_1_a_server_that_does_not_come_back_is_recorded_as_not_back()
    {
        var world = new StandInWorld { ServerComesBack = false };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        var watch = Assert.Single(world.Steps, s => s.Name == "Wait for the server to come back");
        Assert.Equal(StepOutcome.TimedOut, watch.Outcome);
        Assert.True(world.AgentCalls.Count(c => c == $"ReadServerState {Mbx}") >= 2, "the watch polls until its deadline");
    }

    [Fact]
    public async Task Ctp_3_2_restarting_the_front_end_recovers_without_protocol_logging()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 2 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp)));
        Assert.Equal([$"RestartService {Cas} {ImapServices.FrontEnd}"], world.Changes);
    }

    [Fact]
    public async Task Ctp_3_2_gathers_evidence_restarts_the_cas_and_always_turns_logging_off_again()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 4 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp, probeMailboxServer: Mbx)));
        Assert.Equal(
            [
                $"RestartService {Cas} {ImapServices.FrontEnd}", $"SetProtocolLogging {Cas} True", $"RestartService {Cas} {ImapServices.FrontEnd}",
                $"RestartServer {Cas}", $"SetProtocolLogging {Cas} False", $"RestartService {Cas} {ImapServices.FrontEnd}",
            ],
            world.Changes);
        Assert.Contains($"ReadHealth {Mbx}", world.AgentCalls);
        Assert.False(world.ProtocolLogging(Cas));
        Assert.Contains(@"C:\Logs\Imap4", world.Closed!.Reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// Exchange's answer read as evidence says when a Healthy monitor became Healthy: one that changed after the alert
    /// (reset by a run of its own, or recovered) is not told as a monitor that never failed.
    /// </summary>
    [Fact]
    public async Task A_health_read_tells_a_monitor_healthy_since_the_alert_from_one_that_never_failed()
    {
        var reset = StandInWorld.BootedAt.AddMinutes(3);
        var world = new StandInWorld
        {
            Health = server => server == Mbx
                ? [.. StandInWorld.Rows(server).Select(r => r.Name == DeepTest ? r with { LastTransitionTime = reset } : r)]
                : StandInWorld.Rows(server),
        };
        await using var host = await StartAsync(world);

        await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp, probeMailboxServer: Mbx));

        var read = world.Steps.First(s => s.Name == "Read server health" && s.Operation.Contains(Mbx, StringComparison.Ordinal)).Answer!;
        Assert.Contains($"{DeepTest}=Healthy (since {reset:HH:mm:ss}Z, after the alert: reset or recovered since, not yet proven by a probe)", read, StringComparison.Ordinal);
        Assert.Contains("ImapSelfTestMonitor=Healthy;", read, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4", true)]
    [InlineData("3", false)] // a run started before version 4 replays the clean-up it began with
    public async Task Ctp_3_2_on_a_multi_role_server_restarted_with_logging_on_both_services_are_restarted_with_logging_off(string version, bool backEndToo)
    {
        // MBX1 holds both roles: the server restart brings the back end up logging too (both read Set-ImapSettings at start).
        var world = new StandInWorld { ProbePasses = (_, n) => n == 4 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Both, Ctp, probeMailboxServer: Mbx), version));
        Assert.Contains($"RestartServer {Mbx}", world.Changes);
        var cleanUp = world.Changes.SkipWhile(c => c != $"SetProtocolLogging {Mbx} False").ToList();
        Assert.Equal(
            backEndToo
                ? [$"SetProtocolLogging {Mbx} False", $"RestartService {Mbx} {ImapServices.FrontEnd}", $"RestartService {Mbx} {ImapServices.BackEnd}"]
                : [$"SetProtocolLogging {Mbx} False", $"RestartService {Mbx} {ImapServices.FrontEnd}"],
            cleanUp);
        Assert.False(world.ProtocolLogging(Mbx));
    }

    [Fact]
    public async Task Ctp_3_2_on_a_multi_role_server_not_restarted_the_back_end_is_left_alone()
    {
        // The back end never restarted with logging on: it never logged, and restarting it would only cut its sessions.
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Both, Ctp, probeMailboxServer: Mbx)));
        Assert.DoesNotContain($"RestartService {Mbx} {ImapServices.BackEnd}", world.Changes);
        Assert.Equal($"RestartService {Mbx} {ImapServices.FrontEnd}", world.Changes[^1]);
    }

    [Fact]
    public async Task Ctp_3_2_the_mailbox_server_behind_the_probe_mailbox_is_where_its_database_is_mounted_now()
    {
        // MBX1 is configured, but DB1 failed over to MBX2, which is unhealthy: MBX2's run is the one to start.
        var world = new StandInWorld
        {
            ProbeMailboxAt = _ => "MBX2",
            Health = s => s == "MBX2" ? StandInWorld.Rows(s, unhealthyMonitor: DeepTest) : StandInWorld.Rows(s),
            ProbePasses = (_, n) => n == 4,
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp, probeMailboxServer: Mbx)));
        Assert.Equal("MBX2", Assert.Single(world.OtherRunsStarted).Alert.Server);
        Assert.Contains("ReadHealth MBX2", world.AgentCalls);
        Assert.DoesNotContain($"ReadHealth {Mbx}", world.AgentCalls);
        Assert.Equal("DB1 is mounted on MBX2", world.Steps.Single(s => s.Name == "Locate the probe mailbox").Answer);
    }

    [Fact]
    public async Task Ctp_3_2_an_unhealthy_mailbox_server_is_recovered_by_its_own_run_first()
    {
        var world = new StandInWorld { Health = s => s == Mbx ? StandInWorld.Rows(s, unhealthyMonitor: DeepTest) : StandInWorld.Rows(s), ProbePasses = (_, n) => n == 4 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp, probeMailboxServer: Mbx)));
        var started = Assert.Single(world.OtherRunsStarted);
        Assert.Equal(Mbx, started.Alert.Server);
        Assert.DoesNotContain($"RestartServer {Cas}", world.Changes);
        Assert.Equal($"SetProtocolLogging {Cas} False", world.Changes[^2]);
    }

    [Fact]
    public async Task Ctp_3_2_escalates_without_restarting_the_cas_when_the_mailbox_servers_run_does_not_recover()
    {
        var world = new StandInWorld { Health = s => s == Mbx ? StandInWorld.Rows(s, unhealthyMonitor: DeepTest) : StandInWorld.Rows(s), OtherRunOutcome = RunOutcome.Escalated };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Ctp, probeMailboxServer: Mbx)));
        Assert.DoesNotContain($"RestartServer {Cas}", world.Changes);
        Assert.False(world.ProtocolLogging(Cas));
    }

    [Fact]
    public async Task Root_cause_first_a_proxy_failure_waits_for_the_mailbox_server_and_touches_nothing_on_the_cas()
    {
        var world = new StandInWorld
        {
            FailedProbe = r => StandInWorld.Failed(r, ProbePhase.Auth, DependencyArea.Proxy, "UNAVAILABLE", Mbx),
            ProbePasses = (_, n) => n == 2,
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Proxy)));
        Assert.Empty(world.Changes);
        Assert.Single(world.OtherRunsStarted);
        Assert.Contains(world.Steps, s => s.Name == $"Root cause: mailbox server {Mbx}");
    }

    [Fact]
    public async Task ProxyTest_3_3_restarts_the_service_then_the_cas_then_escalates()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, Proxy)));
        Assert.Equal([$"RestartService {Cas} {ImapServices.FrontEnd}", $"RestartServer {Cas}"], world.Changes);
        Assert.Single(world.Escalations);
    }

    [Fact]
    public async Task ProxyTest_3_3_a_multi_role_server_is_drained_before_its_restart_and_failed_back_after()
    {
        var world = new StandInWorld { ProbePasses = (_, n) => n == 3 };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request("EX1", ServerRole.ClientAccess | ServerRole.Mailbox, Proxy)));
        Assert.Equal(
            [$"RestartService EX1 {ImapServices.FrontEnd}", "SetActivationDisabled EX1 True", "RestartServer EX1", "SetActivationDisabled EX1 False", "ActivatePreferred EX1"],
            world.Changes);
    }

    [Fact]
    public async Task Performance_3_4_counters_under_the_limit_are_transient()
    {
        var world = new StandInWorld { Counters = r => new(r.Monitor, false, "Average Command Processing Time 40 ms") };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Transient, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, CommandTime)));
        Assert.Empty(world.Changes);
    }

    [Fact]
    public async Task Performance_3_4_healthy_at_both_rechecks_after_the_service_restart_recovers()
    {
        var world = new StandInWorld();
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, CommandTime)));
        Assert.Equal([$"RestartService {Cas} {ImapServices.FrontEnd}"], world.Changes);
        Assert.Equal(2, world.AgentCalls.Count(c => c == $"ReadHealth {Cas}"));
    }

    [Fact]
    public async Task Performance_3_4_a_mailbox_server_still_unhealthy_is_drained_restarted_and_failed_back()
    {
        var reads = 0;
        var world = new StandInWorld { Health = s => Interlocked.Increment(ref reads) <= 1 ? StandInWorld.Rows(s, unhealthyMonitor: CommandTime) : StandInWorld.Rows(s) };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, CommandTime)));
        Assert.Equal(
            [$"RestartService {Mbx} {ImapServices.BackEnd}", $"SetActivationDisabled {Mbx} True", $"RestartServer {Mbx}", $"SetActivationDisabled {Mbx} False", $"ActivatePreferred {Mbx}"],
            world.Changes);
    }

    [Fact]
    public async Task Performance_3_4_a_cas_still_unhealthy_after_its_restart_escalates_without_any_drain()
    {
        var world = new StandInWorld { Health = s => StandInWorld.Rows(s, unhealthyMonitor: CommandTime) };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, CommandTime)));
        Assert.Equal([$"RestartService {Cas} {ImapServices.FrontEnd}", $"RestartServer {Cas}"], world.Changes);
    }

    [Fact]
    public async Task Performance_3_4_makes_both_waits_even_when_the_first_read_is_unhealthy()
    {
        var reads = 0;
        var world = new StandInWorld { Health = s => Interlocked.Increment(ref reads) == 1 ? StandInWorld.Rows(s, unhealthyMonitor: CommandTime) : StandInWorld.Rows(s) };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Recovered, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, CommandTime)));
        var calls = world.AgentCalls.ToList();
        Assert.Equal(2, calls.Take(calls.IndexOf($"RestartServer {Cas}")).Count(c => c == $"ReadHealth {Cas}"));
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("Unknown")]
    [InlineData("missing")]
    public async Task Performance_3_4_an_empty_answer_an_Unknown_row_or_a_missing_row_is_not_healthy(string answer)
    {
        var world = new StandInWorld
        {
            Health = s => answer switch
            {
                "empty" => [],
                "Unknown" => StandInWorld.Rows(s, HealthState.Unknown),
                _ => [.. StandInWorld.Rows(s).Where(r => r.Name != CommandTime)],
            },
        };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Escalated, await host.RunAsync(Request(Cas, ServerRole.ClientAccess, CommandTime)));
        Assert.Equal([$"RestartService {Cas} {ImapServices.FrontEnd}", $"RestartServer {Cas}"], world.Changes);
    }

    [Fact]
    public async Task Performance_3_4_an_approval_after_the_service_restart_is_reverified_on_the_monitor_row_not_on_reset_counters()
    {
        // The IMAP4 restart resets the counters: read after it, they would say "fine" and stop the run for nothing.
        var restarted = false;
        var world = new StandInWorld
        {
            Health = s => StandInWorld.Rows(s, unhealthyMonitor: CommandTime),
            Counters = r => new(r.Monitor, !restarted, restarted ? "Average Command Processing Time 3 ms (just reset)" : "Average Command Processing Time 75000 ms"),
        };
        await using var host = await StartAsync(world);
        var id = await host.StartAsync(Request(Cas, ServerRole.ClientAccess, CommandTime, Settings(approvals: [DisruptiveAction.ServerRestart])));

        var asked = await host.ApprovalAskedAsync(id);
        restarted = true;
        await host.DecideAsync(id, asked, approved: true, "alice");

        Assert.Equal(RunOutcome.Escalated, await host.EndAsync(id));
        Assert.Equal([$"RestartService {Cas} {ImapServices.FrontEnd}", $"RestartServer {Cas}"], world.Changes);
    }

    [Fact]
    public async Task An_agent_failure_ends_the_run_Failed_records_the_step_and_escalates()
    {
        var world = new StandInWorld { FailingOperation = "RestartService" };
        await using var host = await StartAsync(world);

        Assert.Equal(RunOutcome.Failed, await host.RunAsync(Request(Mbx, ServerRole.Mailbox, DeepTest)));
        Assert.Equal(StepOutcome.Failed, world.Steps[^1].Outcome);
        Assert.Contains("500", world.Closed!.Reason, StringComparison.Ordinal);
        Assert.Single(world.Escalations);
    }
}
