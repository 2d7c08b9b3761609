using Remediation.Imap;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>Playbook 3.1 on the embedded Durable engine, acting through the real agent on the Dovecot lab.</summary>
[Collection(nameof(OrganisationCollection))]
public sealed class DeepTestPlaybookTests(OrganisationFixture org) : IAsyncLifetime
{
    static readonly Alerts.Alert DeepTest = PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor");

    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    [Fact]
    public async Task A_probe_that_passes_again_is_transient_and_nothing_is_touched()
    {
        await using var host = await org.StartHostAsync();

        var run = await host.RunAsync(DeepTest with { AlertId = "transient" });

        run.AssertOutcome(RunOutcome.Transient);
        Assert.Equal(["Re-run probe: Succeeded"], run.Timeline());
        Assert.Empty(await host.ActionsAsync(run.RunId));
    }

    [Fact]
    public async Task A_wrong_probe_password_while_Exchange_says_healthy_is_the_products_problem_and_nothing_is_touched()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Topology:Servers:0:ProbeMailbox:Password"] = "not-the-probe-password",
        });
        var restartsBefore = org.Organisation.Restarts("MBX1");

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal(["Re-run probe: Failed", "Confirm with Exchange: Rejected"], run.Timeline());
        Assert.Contains("probe account", run.Reason, StringComparison.Ordinal);
        Assert.Contains("Invoke-MonitoringProbe IMAP.Protocol\\ImapDeepTestProbe: Succeeded", run.Reason, StringComparison.Ordinal);

        // What really happened: the agent was asked to change nothing, and the lab's MBX1 is as it was.
        Assert.Empty(await host.ActionsAsync(run.RunId));
        Assert.Equal(restartsBefore, org.Organisation.Restarts("MBX1"));
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
        Assert.False(org.Organisation.CopyStatus("MBX1").HasNoActiveCopy);
    }

    [Fact]
    public async Task A_server_an_administrator_put_in_exchanges_maintenance_mode_is_never_touched()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Organisation.SetComponentState("MBX1", "ServerWideOffline", "Inactive");

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Rejected);
        Assert.Contains("MBX1 is in Exchange's maintenance mode (Get-ServerComponentState: ServerWideOffline Inactive)", run.Reason, StringComparison.Ordinal);
        Assert.Empty(await host.ActionsAsync(run.RunId));
        Assert.False(org.Lab.MailboxServers["MBX1"].IsRunning);
    }

    [Fact]
    public async Task A_stopped_back_end_is_recovered_by_restarting_the_imap4_back_end_service()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
            ["Re-run probe: Failed", "Confirm with Exchange: Succeeded", "Safety check: Restart MSExchangeIMAP4BE: Allowed", "Restart MSExchangeIMAP4BE: Succeeded", "Re-run probe: Succeeded"],
            run.Timeline());
        Assert.Equal(["RestartService"], (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.True(org.Lab.MailboxServers["MBX1"].IsRunning);
    }

    [Fact]
    public async Task A_back_end_that_keeps_failing_is_drained_restarted_and_failed_back()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
        [
            "Re-run probe: Failed",
            "Confirm with Exchange: Succeeded",
            "Safety check: Restart MSExchangeIMAP4BE: Allowed", "Restart MSExchangeIMAP4BE: Failed", "Re-run probe: Failed",
            "Safety check ahead: Restart server: Allowed", "Read activation as found: Succeeded", "Safety check: Fail databases over: Allowed", "Fail databases over: Succeeded", "Check active copies: Succeeded",
            "Safety check: Restart server: Allowed", "Restart server: Succeeded", "Wait for the server to come back: Succeeded", "Re-run probe: Succeeded",
            "Maintenance check: Fail back: Allowed", "Fail back: Succeeded", "Move databases back: Succeeded", "Check active copies: Succeeded"], run.Timeline());
        Assert.Equal(["RestartService", "SetDatabaseCopyActivation", "RestartServer", "SetDatabaseCopyActivation", "ActivatePreferredOnServer"], (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
        for (var i = 0; i < 50 && !org.Organisation.CopyStatus("MBX1").IsSettled; i++)
        {
            await Task.Delay(100); // the lab's fail-back, like Exchange's, mounts over a second
        }

        Assert.Equal("Mounted", org.Organisation.CopyStatus("MBX1").Copies.Single(c => c.Database == "DB1").Status);
        Assert.Contains("failed back: DB1 active on MBX1 again", run.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_still_failing_after_its_restart_escalates_and_keeps_its_databases_away()
    {
        using var hole = new TcpTroublemaker(reset: false);
        org.Organisation.SetHealthProbesFailing("MBX1", true); // Exchange's own probe sees the hung back end too
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Topology:Servers:0:BackEnd:Port"] = hole.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Remediation:Probes:Timeout"] = "00:00:01",
        });

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal("Re-run probe: TimedOut", run.Timeline()[^1]);
        Assert.DoesNotContain(run.Steps, s => s.Name == "Fail back");
        Assert.Contains("Fail-back decided: none", run.Reason, StringComparison.Ordinal);
        Assert.True(org.Organisation.IsActivationDisabled("MBX1"));
        Assert.True(org.Organisation.CopyStatus("MBX1").HasNoActiveCopy);
    }

    [Fact]
    public async Task Copies_still_active_after_the_fail_over_stop_the_run_before_any_restart()
    {
        using var hole = new TcpTroublemaker(reset: false);
        org.Organisation.SetHealthProbesFailing("MBX1", true); // Exchange's own probe sees the hung back end too
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Topology:Servers:0:BackEnd:Port"] = hole.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Remediation:Probes:Timeout"] = "00:00:01",
        });
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.SetDatabaseCopyActivation, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal("Check active copies: Succeeded", run.Timeline()[^1]);
        Assert.Contains("Not proven that no database is active on MBX1 after the fail-over (DB1 on MBX1: Mounted, mounted on mbx1", run.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("RestartServer", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
    }

    [Theory]
    [InlineData("component-state")]
    [InlineData("blocked")]
    public async Task A_peer_in_exchanges_maintenance_or_with_activation_blocked_takes_no_database_so_nothing_is_drained(string how)
    {
        await using var host = await org.StartHostAsync();
        if (how == "component-state")
        {
            org.Organisation.SetComponentState("MBX2", "ServerWideOffline", "Inactive");
        }
        else
        {
            org.Organisation.SetAutoActivationPolicy("MBX2", "Blocked");
        }

        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Rejected);
        Assert.Contains("without another healthy copy that can be activated", run.Reason, StringComparison.Ordinal);
        // The agent's audit: the service restart only; no drain onto the peer being worked on, no reboot.
        Assert.Equal(["RestartService"], (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
    }

    [Fact]
    public async Task Activation_an_administrator_had_disabled_is_left_disabled_and_nothing_is_moved_back()
    {
        await using var host = await org.StartHostAsync();
        org.Organisation.SetActivationDisabled("MBX1", true); // an administrator's maintenance, before any run
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Contains("activation left disabled on MBX1 as it was before this run", run.Reason, StringComparison.Ordinal);
        // The agent's audit: one activation change (the drain), no fail-back, no move back; the lab: still disabled.
        Assert.Equal(["RestartService", "SetDatabaseCopyActivation", "RestartServer"], (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.True(org.Organisation.IsActivationDisabled("MBX1"));
    }

    [Fact]
    public async Task Copies_reading_ServiceDown_are_no_proof_and_the_server_is_not_restarted_although_the_dag_moved_its_databases()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));
        org.Organisation.SetReplicationService("MBX1", running: false);

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Contains("DB1 on MBX1: ServiceDown, mounted on mbx2", run.Reason, StringComparison.Ordinal);
        // What really happened, from the agent's audit and the lab: drained, never restarted, activation left disabled.
        Assert.Equal(["RestartService", "SetDatabaseCopyActivation"], (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.True(org.Organisation.IsActivationDisabled("MBX1"));
        using (var settle = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await org.Organisation.SettleAsync(settle.Token);
        }

        Assert.Equal("Mounted", org.Organisation.CopyStatus("MBX2").Copies.Single(c => c.Database == "DB1").Status);
    }

    [Fact]
    public async Task A_drain_that_would_leave_a_database_without_a_healthy_copy_is_refused()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        await org.Lab.MailboxServers["MBX2"].StopAsync();
        org.Organisation.SetReplicationService("MBX2", running: false); // MBX2's copies read ServiceDown: none can take DB1
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Rejected);
        Assert.Equal("Safety check ahead: Restart server: Rejected", run.Timeline()[^1]);
        Assert.Contains("would leave DB1, DB2 without another healthy copy", run.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("SetDatabaseCopyActivation", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
    }

    [Fact]
    public async Task A_throttled_restart_is_not_performed_and_the_run_says_why()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?> { ["Remediation:Throttles:RestartService:ServerMaxPerDay"] = "0" });
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Throttled);
        Assert.Contains("refused by the throttle: 0 already on server MBX1 in 24 h, the limit is 0", run.Reason, StringComparison.Ordinal);
        Assert.Empty(await host.ActionsAsync(run.RunId));
        Assert.False(org.Lab.MailboxServers["MBX1"].IsRunning);
    }

    [Fact]
    public async Task A_server_restart_the_throttle_would_refuse_is_found_before_the_drain_and_nothing_is_drained()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?> { ["Remediation:Throttles:ServerRestart:ServerMaxPerDay"] = "0" });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Throttled);
        Assert.Equal("Safety check ahead: Restart server: Throttled", run.Timeline()[^1]);
        Assert.Contains("Checked before the step that commits to it: nothing was done.", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["RestartService"], (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
        Assert.Equal("Healthy", org.Organisation.CopyStatus("MBX2").Copies.Single(c => c.Database == "DB1").Status);
    }

    [Fact]
    public async Task A_server_whose_copies_are_still_dismounting_when_the_wait_runs_out_is_not_restarted()
    {
        // The lab's fail-over takes a second; this run waits for copies to settle for much less than that (one look: a
        // longer wait counted in durable timers outlasted the second on a busy machine and saw the copies settled).
        await using var host = await org.StartHostAsync(new Dictionary<string, string?> { ["Remediation:Recovery:CopySettleWait"] = "00:00:00.050" });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Contains("Not proven that no database is active on MBX1", run.Reason, StringComparison.Ordinal);
        Assert.Contains("Dismounting", run.Steps.Single(s => s.Name == "Check active copies").Answer, StringComparison.Ordinal);
        Assert.DoesNotContain("RestartServer", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
    }

    [Fact]
    public async Task A_run_that_leaves_its_server_drained_keeps_the_dag_held_until_an_operator_releases_it()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartServer, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var first = await host.RunAsync(DeepTest);
        var held = await host.Get<Safety.ISafetyStore>().ChangeAsync("DAG1", s => (s, s.HolderRunId), default);
        using var released = await host.PostAsync($"api/runs/{first.RunId}/release-hold");
        var after = await host.Get<Safety.ISafetyStore>().ChangeAsync("DAG1", s => (s, s.HolderRunId), default);

        Assert.Equal(RunOutcome.Escalated, first.Outcome);
        Assert.True(org.Organisation.IsActivationDisabled("MBX1"));
        Assert.Contains("The hold on the group of MBX1 stays while it is left drained", first.Reason, StringComparison.Ordinal);
        Assert.Equal(first.RunId, held);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, released.StatusCode);
        Assert.Null(after);
    }

    [Fact]
    public async Task A_dry_run_waits_for_no_approval_and_takes_no_throttle_slot()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Remediation:Recovery:DryRun"] = "true",
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "RestartService",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:10:00",
            ["Remediation:Throttles:RestartService:ServerMaxPerDay"] = "1",
        };
        await using var host = await org.StartHostAsync(settings);
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var first = await host.RunAsync(DeepTest);
        var second = await host.RunAsync(DeepTest with { AlertId = "again" });

        // Had the first dry run spent the only slot, the second would be Throttled at once.
        Assert.Contains("Approval for: Restart MSExchangeIMAP4BE: DryRun", first.Timeline());
        Assert.Contains("Safety check: Restart MSExchangeIMAP4BE: Allowed", second.Timeline());
        Assert.Contains(second.Steps, s => s.Answer?.StartsWith("Would be allowed: RestartService on MBX1 within its throttle (1 on the server", StringComparison.Ordinal) == true);
        Assert.Empty(await host.ActionsAsync(first.RunId));
        Assert.Empty(await host.ActionsAsync(second.RunId));
    }

    [Fact]
    public async Task An_approval_timeout_escalates_without_acting()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "DatabaseFailover",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:00:01",
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal("Approval for: Fail databases over: TimedOut", run.Timeline()[^1]);
        Assert.Contains("was not approved within", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["RestartService"], (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
        Assert.Equal("Healthy", org.Organisation.CopyStatus("MBX2").Copies.Single(c => c.Database == "DB1").Status);
    }

    [Fact]
    public async Task An_approval_given_through_the_run_api_lets_the_run_go_on()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "ServerRestart",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:01:00",
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));

        await host.StartAsync(DeepTest);
        var waiting = await host.WaitForApprovalRequestAsync("MBX1");
        using var approved = await host.DecideAsync(waiting, "go");
        var run = await host.CompletedAsync("MBX1");

        Assert.Equal(System.Net.HttpStatusCode.Accepted, approved.StatusCode);
        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Contains(run.Steps, s => s.Name == "Approval for: Restart server" && s.Answer == $"Approved by {PlaybookHarness.LabApprover}: go");
    }

    [Fact]
    public async Task An_approval_granted_after_the_fault_went_away_does_not_act()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "RestartService",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:01:00",
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        var restartsBefore = org.Organisation.Restarts("MBX1");

        await host.StartAsync(DeepTest);
        var waiting = await host.WaitForApprovalRequestAsync("MBX1");
        await org.Lab.MailboxServers["MBX1"].StartAsync(); // someone fixed it while the approval waited
        using var approved = await host.DecideAsync(waiting);
        var run = await host.CompletedAsync("MBX1");

        run.AssertOutcome(RunOutcome.Transient);
        Assert.Contains("went away while RestartService on MBX1 waited for approval", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["Re-run probe: Failed", "Confirm with Exchange: Succeeded", "Safety check before asking: Restart MSExchangeIMAP4BE: Allowed", "Approval for: Restart MSExchangeIMAP4BE: Approved", "Re-run probe: Succeeded"], run.Timeline());
        Assert.Empty(await host.ActionsAsync(run.RunId));
        Assert.Equal(restartsBefore, org.Organisation.Restarts("MBX1"));
    }

    [Fact]
    public async Task A_dry_run_records_what_it_would_do_and_performs_no_operation()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?> { ["Remediation:Recovery:DryRun"] = "true" });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        var restartsBefore = org.Organisation.Restarts("MBX1");

        var run = await host.RunAsync(DeepTest);

        Assert.Contains("Restart MSExchangeIMAP4BE: DryRun", run.Timeline());
        Assert.Contains(run.Steps, s => s.Answer == "Dry run: would call Get-CimInstance -ComputerName MBX1 -ClassName Win32_Service -Filter \"Name='MSExchangeIMAP4BE'\" | Invoke-CimMethod -MethodName StopService, then StartService; nothing was done.");
        Assert.Empty(await host.ActionsAsync(run.RunId));
        Assert.False(org.Lab.MailboxServers["MBX1"].IsRunning);
        Assert.Equal(restartsBefore, org.Organisation.Restarts("MBX1"));
    }

    [Fact]
    public async Task A_retried_restart_after_a_timeout_joins_the_first_and_does_not_restart_twice()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Slow, null, TimeSpan.FromSeconds(3)));
        var restartsBefore = org.Organisation.Restarts("MBX1");

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Recovered);
        var restarts = (await host.ActionsAsync(run.RunId)).Where(a => a.Operation == "RestartService").ToList();
        Assert.Equal([504, 200], restarts.Select(a => a.Status));
        Assert.Single(restarts.Select(a => a.IdempotencyKey).Distinct());

        // The agent's audit tells the whole story: started once, answered 504, really finished, the retry joined.
        var lines = (await host.AuditLinesAsync(run.RunId)).Where(a => a.Operation == "RestartService").ToList();
        Assert.Equal(1, lines.Count(l => l.Status == 102));
        Assert.Contains(lines, l => l.Status == 200 && l.Outcome.StartsWith("Finished after its caller was answered 504: HTTP 200", StringComparison.Ordinal));
        Assert.Equal(restartsBefore + 1, org.Organisation.Restarts("MBX1"));
    }
}
