using Remediation.AgentApi;
using Remediation.Alerts;
using Remediation.Imap;
using Remediation.Lab.Agent;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>Playbooks 3.2 (CTP) and 3.3 (proxy test) on the lab CAS, through the real agent.</summary>
[Collection(nameof(OrganisationCollection))]
public sealed class CasPlaybookTests(OrganisationFixture org) : IAsyncLifetime
{
    static readonly Alerts.Alert Ctp = PlaybookHarness.Alert("CAS1", ImapHealthModel.ImapHealthSet, "ImapCTPMonitor");

    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    async Task<Remediation.Host.RemediationHost> HostWithSecondCasAsync(IDictionary<string, string?>? more = null)
    {
        var host = await org.StartHostAsync(more);
        await host.ProbedHealthyAsync("CAS2");
        return host;
    }

    async Task BreakCasProxyAsync()
    {
        await org.Lab.ClientAccessServers["CAS1"].StopAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "CAS1", FaultMode.Ineffective, null));
    }

    [Fact]
    public async Task Ctp_with_a_healthy_mailbox_server_logs_restarts_the_cas_and_turns_logging_off_again()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();

        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
        [
            "Re-run probe: Failed",
            "Confirm with Exchange: Succeeded",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed", "Re-run probe: Failed",
            "Turn protocol logging on: Succeeded",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed", "Re-run probe: Failed",
            "Record protocol log location: Succeeded",
            "Locate the probe mailbox: Succeeded",
            "Read server health: Succeeded",
            "Safety check: Restart server: Allowed", "Restart server: Succeeded", "Wait for the server to come back: Succeeded", "Re-run probe: Succeeded",
            "Turn protocol logging off: Succeeded",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed",
        ], run.Timeline());
        Assert.Equal("Get-ServerHealth MBX1 | ?{$_.HealthSetName -like \"IMAP*\"}", run.Steps.Single(s => s.Name == "Read server health").Operation);
        Assert.Contains("Protocol log: ", run.Reason, StringComparison.Ordinal);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));

        // The IMAP4 restart that applies "off" never really happened here (the lab's restarts of CAS1 do nothing): the
        // running proxy still logs, as the lab says, and the run says so instead of calling logging off.
        Assert.True(org.Organisation.ProtocolLogApplied("CAS1"));
        Assert.Contains("the running service still logs until it restarts", run.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throttled_restart_that_would_apply_logging_off_leaves_a_recovered_run_recovered_and_says_so()
    {
        await using var host = await HostWithSecondCasAsync(new Dictionary<string, string?> { ["Remediation:Throttles:RestartService:ServerMaxPerDay"] = "2" });
        await BreakCasProxyAsync();

        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(["Turn protocol logging off: Succeeded", "Safety check: Restart MSExchangeIMAP4: Throttled"], run.Timeline()[^2..]);
        Assert.Contains("Protocol logging is off in the settings of CAS1; it takes effect at the next MSExchangeIMAP4 restart, refused now", run.Reason, StringComparison.Ordinal);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task A_second_cas_that_was_never_probed_does_not_make_the_first_one_restartable()
    {
        await using var host = await org.StartHostAsync();
        await BreakCasProxyAsync();

        await AssertCasNotRestartedAsync(host, "none of CAS2 is known healthy");
    }

    [Fact]
    public async Task Ctp_fixed_by_restarting_imap4_ends_there_without_protocol_logging()
    {
        await using var host = await HostWithSecondCasAsync();
        await org.Lab.ClientAccessServers["CAS1"].StopAsync();

        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(["Re-run probe: Failed", "Confirm with Exchange: Succeeded", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Succeeded", "Re-run probe: Succeeded"], run.Timeline());
    }

    [Fact]
    public async Task Ctp_still_failing_after_the_cas_restart_escalates_with_the_evidence_and_logging_off()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "CAS1", FaultMode.Ineffective, null));

        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Contains("still fails on CAS1 after a restart", run.Reason, StringComparison.Ordinal);
        Assert.Contains("Protocol log: ", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["Turn protocol logging off: Succeeded", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed"], run.Timeline()[^3..]);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task Proxy_test_fixed_by_restarting_imap4_ends_there()
    {
        await using var host = await HostWithSecondCasAsync();
        await org.Lab.ClientAccessServers["CAS1"].StopAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ProxyHealthSet, "ImapProxyTestMonitor"));

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(["Re-run probe: Failed", "Confirm with Exchange: Succeeded", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Succeeded", "Re-run probe: Succeeded"], run.Timeline());
    }

    [Fact]
    public async Task Ctp_turns_protocol_logging_off_even_when_a_step_fails()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "CAS1", FaultMode.Fail, "The RPC server is unavailable."));

        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Failed);
        Assert.Contains("The RPC server is unavailable.", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["Restart server: Failed", "Turn protocol logging off: Succeeded", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed"], run.Timeline()[^4..]);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task Ctp_never_restarts_the_last_healthy_cas_of_a_site_and_still_turns_logging_off()
    {
        await using var host = await org.StartHostAsync();
        await BreakCasProxyAsync();

        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Rejected);
        Assert.Contains("last healthy Client Access server of site Lab", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["Safety check: Restart server: Rejected", "Turn protocol logging off: Succeeded", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed"], run.Timeline()[^4..]);
        Assert.DoesNotContain("RestartServer", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task A_killed_mailbox_back_end_is_repaired_by_its_own_run_without_touching_the_cas()
    {
        await using var host = await HostWithSecondCasAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync(hard: true);

        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Contains("Failed at Auth [UNAVAILABLE]", run.Steps[0].Answer, StringComparison.Ordinal);
        Assert.Equal(
            ["Re-run probe: Failed", "Locate the probe mailbox: Succeeded", "Read server health: Succeeded", "Root cause: mailbox server MBX1: Succeeded", "Recover mailbox server MBX1 (playbook 3.1): Succeeded", "Re-run probe: Succeeded"],
            run.Timeline());
        Assert.Contains("CAS1 is not restarted for a failure of MBX1", run.Steps[3].Answer, StringComparison.Ordinal);
        Assert.Contains("answered [UNAVAILABLE]", run.Steps[3].Answer, StringComparison.Ordinal);
        Assert.Contains("nothing was done on CAS1", run.Reason, StringComparison.Ordinal);
        var mailboxRun = Assert.Single(await host.Get<IRunLedger>().ListAsync(new RunFilter("MBX1"), 10, default));
        Assert.Equal((run.RunId, RunOutcome.Recovered), (mailboxRun.ParentRunId, mailboxRun.Outcome));
        Assert.Equal(["Re-run probe: Failed", "Confirm with Exchange: Succeeded", "Safety check: Restart MSExchangeIMAP4BE: Allowed", "Restart MSExchangeIMAP4BE: Succeeded", "Re-run probe: Succeeded"], mailboxRun.Timeline());
        Assert.Empty(await host.ActionsAsync(run.RunId));
        Assert.Equal(["RestartService"], (await host.ActionsAsync(mailboxRun.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task Ctp_reads_where_the_probe_mailboxs_database_is_mounted_now_not_where_it_was_configured()
    {
        await using var host = await HostWithSecondCasAsync();

        // An administrator drained MBX1 earlier: DB1, the probe mailbox's database, is mounted on MBX2 now.
        org.Organisation.SetActivationDisabled("MBX1", true);
        using (var moved = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await org.Organisation.SettleAsync(moved.Token);
        }

        await BreakCasProxyAsync();
        var run = await host.RunAsync(Ctp);

        run.AssertOutcome(RunOutcome.Recovered);
        var located = run.Steps.Single(s => s.Name == "Locate the probe mailbox");
        Assert.Contains("DB1, the probe mailbox's database, is mounted on", located.Answer, StringComparison.Ordinal);
        Assert.Contains("not on the configured MBX1", located.Answer, StringComparison.Ordinal);
        Assert.Equal("Get-ServerHealth MBX2 | ?{$_.HealthSetName -like \"IMAP*\"}", run.Steps.Single(s => s.Name == "Read server health").Operation);
    }

    [Fact]
    public async Task A_server_with_both_roles_is_not_drained_or_restarted_while_a_cas_of_its_site_restarts()
    {
        // MBX1 holds both roles here (its front end is CAS1's proxy, under MBX1's name): it obeys its DAG's hold and its site's.
        var settings = Lab.LabMode.Settings(org.Lab)
            .Where(kv => kv.Key.StartsWith("Remediation:Topology:Servers:2:FrontEnd:", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key.Replace("Servers:2:", "Servers:0:", StringComparison.Ordinal), kv => kv.Value);
        settings["Remediation:Topology:Servers:0:Role"] = "Both";
        await using var host = await HostWithSecondCasAsync(settings);

        // CAS1 restarts, and its restart is slow to come back: its run holds site Lab meanwhile.
        await BreakCasProxyAsync();
        org.Faults.Add(new LabFault(AgentOperation.GetServerState, "CAS1", FaultMode.Slow, null, TimeSpan.FromSeconds(5)));
        var casRun = await host.StartAsync(Ctp);
        await host.WaitForStepAsync("CAS1", "Restart server");

        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "MBX1", FaultMode.Ineffective, null));
        var mbxRunId = await host.StartAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));
        var mbxRun = await host.CompletedAsync("MBX1");

        Assert.Equal(mbxRunId, mbxRun.RunId);
        mbxRun.AssertOutcome(RunOutcome.Rejected);
        Assert.Contains($"by run {casRun} (MBX1 holds both roles, so its site's hold counts too)", mbxRun.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(await host.ActionsAsync(mbxRunId), a => a.Operation is "SetDatabaseCopyActivation" or "RestartServer");
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
        await host.CompletedAsync("CAS1");
    }

    [Fact]
    public async Task Three_cas_runs_and_the_mailbox_servers_own_alert_share_one_run_on_the_failed_mailbox_server()
    {
        var settings = new Dictionary<string, string?>();
        foreach (var (key, value) in ExtraCasWithProbeMailbox("CAS3", 4).Concat(ExtraCasWithProbeMailbox("CAS4", 5)))
        {
            settings[key] = value;
        }

        await using var host = await org.StartHostAsync(settings);
        await org.Lab.MailboxServers["MBX1"].StopAsync(hard: true);
        var restartsBefore = org.Organisation.Restarts("MBX1");

        // As on Exchange, the back end takes a while to come back: the CAS runs find the mailbox server's run going.
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "MBX1", FaultMode.Slow, null, TimeSpan.FromSeconds(1.5)));
        var started = TimeProvider.System.GetUtcNow();
        var publisher = host.Get<IAlertPublisher>();
        foreach (var server in new[] { "CAS1", "CAS3", "CAS4" })
        {
            await publisher.PublishAsync(PlaybookHarness.Alert(server, ImapHealthModel.ImapHealthSet, "ImapCTPMonitor"), default);
        }

        await publisher.PublishAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"), default);
        // The mailbox server's run is started by its own alert or by the first CAS run that needs it: either way, one.
        Assert.InRange((await host.Get<AlertPump>().RunOnceAsync(default)).Started, 3, 4);
        var cas = await Task.WhenAll(new[] { "CAS1", "CAS3", "CAS4" }.Select(s => host.CompletedAsync(s)));
        var mailbox = await host.CompletedAsync("MBX1");

        Assert.All(cas, r => Assert.Equal(RunOutcome.Recovered, r.Outcome));
        Assert.Equal(RunOutcome.Recovered, mailbox.Outcome);
        Assert.Single(await host.Get<IRunLedger>().ListAsync(new RunFilter("MBX1"), 10, default));
        Assert.All(cas, r => Assert.Contains("Recover mailbox server MBX1 (playbook 3.1): Succeeded", r.Timeline()));
        Assert.All(cas, r => Assert.StartsWith($"Run {mailbox.RunId} (", r.Steps.Single(s => s.Name.StartsWith("Recover mailbox server", StringComparison.Ordinal)).Answer, StringComparison.Ordinal));
        // The mailbox run says, durably, which runs waited on it (started by one, joined by the others): an alert each
        // from the run that needed it, as the console groups the incident.
        var waiters = mailbox.Alerts.Where(a => a.Source == "Run").Select(a => a.AlertId[..a.AlertId.LastIndexOf(':')]).Order(StringComparer.Ordinal);
        Assert.Equal(cas.Select(r => r.RunId).Order(StringComparer.Ordinal), waiters);
        var audit = (await host.Get<Exchange.AgentConnection>().Client().GetAuditAsync(10_000, default)).Where(e => e.At >= started).ToList();
        // One restart really happened: a request the agent answered twice (an activity delivered again, the same
        // idempotency key) is one restart in the lab, however many audit lines it left.
        var restarts = audit.Where(e => e.Operation == "RestartService").ToList();
        Assert.True(restarts.Select(e => (e.Server, e.IdempotencyKey)).Distinct().Count() == 1, string.Join("; ", restarts.Select(e => $"{e.At:O} {e.Server} {e.IdempotencyKey} {e.Status} {e.Outcome}")));
        Assert.Equal(restartsBefore + 1, org.Organisation.Restarts("MBX1"));
        Assert.DoesNotContain(audit, e => e.Operation is "RestartServer" or "SetDatabaseCopyActivation" or "SetImapSettings");
    }

    [Fact]
    public async Task Cancelling_a_cas_run_cancels_the_mailbox_run_it_started()
    {
        await using var host = await HostWithSecondCasAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "RestartService",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:05:00",
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync(hard: true);

        var runId = await host.StartAsync(Ctp);
        await host.WaitForApprovalRequestAsync("MBX1");
        using var cancel = await host.PostAsync($"api/runs/{runId}/cancel", new { });
        var run = await host.CompletedAsync("CAS1");
        var mailboxRun = await host.CompletedAsync("MBX1");

        run.AssertOutcome(RunOutcome.Cancelled);
        Assert.Equal(RunOutcome.Cancelled, mailboxRun.Outcome);
        Assert.Equal($"Cancelled by {PlaybookHarness.LabApprover} (through run {runId}).", mailboxRun.Reason);
        Assert.Empty(await host.ActionsAsync(mailboxRun.RunId));
    }

    // The proxy test on CAS1 is refused before CAS1 restarts, for <reason>: the agent was never asked to restart it.
    static async Task AssertCasNotRestartedAsync(Remediation.Host.RemediationHost host, string reason)
    {
        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ProxyHealthSet, "ImapProxyTestMonitor"));

        run.AssertOutcome(RunOutcome.Rejected);
        Assert.Contains(reason, run.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("RestartServer", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
    }

    // A CTP run on CAS1 with protocol logging on, waiting for the approval of its server restart.
    async Task<(Remediation.Host.RemediationHost Host, string RunId)> CtpWaitingForRestartApprovalAsync()
    {
        var host = await HostWithSecondCasAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "ServerRestart",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:05:00",
        });
        try
        {
            await BreakCasProxyAsync();
            var runId = await host.StartAsync(Ctp);
            await host.WaitForApprovalRequestAsync("CAS1");
            return (host, runId);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    Dictionary<string, string?> ExtraCasWithProbeMailbox(string name, int index)
    {
        // Another CAS of site Lab in front of the same proxy, probing with CAS1's probe mailbox (on MBX1).
        var cas1 = Lab.LabMode.Settings(org.Lab).Where(kv => kv.Key.StartsWith("Remediation:Topology:Servers:2:", StringComparison.Ordinal));
        var settings = cas1.ToDictionary(kv => kv.Key.Replace("Servers:2:", $"Servers:{index}:", StringComparison.Ordinal), kv => kv.Value);
        settings[$"Remediation:Topology:Servers:{index}:Name"] = name;
        return settings;
    }

    [Fact]
    public async Task Cancelling_a_run_waiting_for_approval_stops_it_and_turns_logging_off()
    {
        var (host, runId) = await CtpWaitingForRestartApprovalAsync();
        await using var _ = host;
        using var cancel = await host.PostAsync($"api/runs/{runId}/cancel", new { });
        var run = await host.CompletedAsync("CAS1");

        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
        run.AssertOutcome(RunOutcome.Cancelled);
        Assert.StartsWith($"Cancelled by {PlaybookHarness.LabApprover}.", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["Turn protocol logging off: Succeeded", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed"], run.Timeline()[^3..]);

        // The restart that applies "off" failed (CAS1's proxy is down and its restarts do nothing): the run says so.
        Assert.Contains("Protocol logging is off in the settings of CAS1, but MSExchangeIMAP4 was not really restarted", run.Reason, StringComparison.Ordinal);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
        Assert.DoesNotContain("RestartServer", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
    }

    [Fact]
    public async Task A_run_terminated_while_waiting_is_closed_by_the_reconciler_with_logging_off_its_monitors_released_and_escalated()
    {
        var (host, runId) = await CtpWaitingForRestartApprovalAsync();
        await using var _ = host;
        Assert.True(org.Organisation.ProtocolLogEnabled("CAS1"));

        // What a bad deploy, or an operator in the portal, does: the orchestration ends, the run's own close never runs.
        var durable = host.Get<Microsoft.DurableTask.Client.DurableTaskClient>();
        await durable.TerminateInstanceAsync(RecoveryInstance.IdFor("CAS1"), "terminated from outside the product");
        using var ended = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await durable.WaitForInstanceCompletionAsync(RecoveryInstance.IdFor("CAS1"), ended.Token);
        var reconciler = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<RunReconciler>(host.App.Services);
        Assert.Equal(RunOutcome.Running, (await host.Get<IRunLedger>().GetAsync(runId, default))!.Outcome);

        var pass = await reconciler.RunOnceAsync(default);
        var again = await reconciler.RunOnceAsync(default);

        Assert.Equal(1, pass.Closed);
        Assert.Equal(0, again.Closed);
        var run = (await host.Get<IRunLedger>().GetAsync(runId, default))!;
        run.AssertOutcome(RunOutcome.Failed);
        Assert.Contains("was terminated", run.Reason, StringComparison.Ordinal);
        Assert.Contains("Protocol logging, which the run had turned on, is off again", run.Reason, StringComparison.Ordinal);
        Assert.NotNull(run.Escalation);

        // What really happened: the agent turned logging off for this run, and the lab's CAS1 is no longer logging.
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
        Assert.Contains(await host.ActionsAsync(runId), a => a.Operation == "SetImapSettings" && a.IdempotencyKey == $"{runId}:reconciler:logging-off");
        Assert.DoesNotContain(host.Get<Monitoring.MonitorBoard>().Snapshot("CAS1"), m => m.AlertValue == HealthState.Repairing);
    }

    [Fact]
    public async Task Proxy_test_restarts_imap4_then_the_cas()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ProxyHealthSet, "ImapProxyTestMonitor"));

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
        [
            "Re-run probe: Failed",
            "Confirm with Exchange: Succeeded",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed", "Re-run probe: Failed",
            "Safety check: Restart server: Allowed", "Restart server: Succeeded", "Wait for the server to come back: Succeeded", "Re-run probe: Succeeded",
        ], run.Timeline());
    }

    [Fact]
    public async Task A_healthy_second_cas_inside_a_maintenance_window_does_not_make_the_first_one_restartable()
    {
        await using var host = await HostWithSecondCasAsync();
        using var window = await host.PostAsync("api/maintenance", new Dictionary<string, object>
        {
            ["server"] = "CAS2",
            ["start"] = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
            ["duration"] = "01:00:00",
            ["reason"] = "patching",
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, window.StatusCode);
        await BreakCasProxyAsync();

        await AssertCasNotRestartedAsync(host, "last healthy Client Access server of site Lab");
    }

    [Fact]
    public async Task A_healthy_second_cas_in_exchanges_own_maintenance_mode_does_not_make_the_first_one_restartable()
    {
        await using var host = await HostWithSecondCasAsync();
        org.Organisation.SetComponentState("CAS2", "ServerWideOffline", "Inactive");
        await BreakCasProxyAsync();

        await AssertCasNotRestartedAsync(host, "last healthy Client Access server of site Lab");
    }

    [Fact]
    public async Task A_second_cas_seen_healthy_once_and_not_probed_since_does_not_make_the_first_one_restartable()
    {
        await using var host = await HostWithSecondCasAsync(new Dictionary<string, string?> { ["Remediation:Monitors:PeerSampleMaxAge"] = "00:00:02" });
        await BreakCasProxyAsync();

        // CAS2's one Healthy sample ages past the limit: its probes stopped or fell behind, so nobody knows it is up.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await AssertCasNotRestartedAsync(host, "none of CAS2 is known healthy (probed within 2 s");
    }

    [Fact]
    public async Task Proxy_test_still_failing_after_the_cas_restart_escalates()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "CAS1", FaultMode.Ineffective, null));

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ProxyHealthSet, "ImapProxyTestMonitor"));

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal("Re-run probe: Failed", run.Timeline()[^1]);
        Assert.Contains("still fails on CAS1 after a restart", run.Reason, StringComparison.Ordinal);
    }
}
