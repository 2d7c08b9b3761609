using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Lab.Agent;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>Playbooks 3.2 (CTP) and 3.3 (proxy test) on the lab CAS, through the real agent.</summary>
[Collection(nameof(OrganisationCollection))]
public sealed class CasPlaybookTests(OrganisationFixture org) : IAsyncLifetime
{
    static readonly Alerts.Alert Ctp = PlaybookHarness.Alert("CAS1", ImapHealthModel.ImapHealthSet, "ImapCTPMonitor");

    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    Task<Remediation.Host.RemediationHost> HostWithSecondCasAsync(IDictionary<string, string?>? more = null)
    {
        var settings = org.SecondCasSettings();
        foreach (var (k, v) in more ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        return org.StartHostAsync(settings);
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

        Assert.Equal(RunOutcome.Recovered, run.Outcome);
        Assert.Equal(
        [
            "Re-run probe: Failed",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed", "Re-run probe: Failed",
            "Turn protocol logging on: Succeeded",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed", "Re-run probe: Failed",
            "Record protocol log location: Succeeded",
            "Read server health: Succeeded",
            "Safety check: Restart server: Allowed", "Restart server: Succeeded", "Re-run probe: Succeeded",
            "Turn protocol logging off: Succeeded",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Succeeded",
        ], run.Timeline());
        Assert.Equal("Get-ServerHealth MBX1 | ?{$_.HealthSetName -like \"IMAP*\"}", run.Steps.Single(s => s.Name == "Read server health").Operation);
        Assert.Contains("Protocol log: ", run.Reason, StringComparison.Ordinal);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task Ctp_fixed_by_restarting_imap4_ends_there_without_protocol_logging()
    {
        await using var host = await HostWithSecondCasAsync();
        await org.Lab.ClientAccessServers["CAS1"].StopAsync();

        var run = await host.RunAsync(Ctp);

        Assert.Equal(RunOutcome.Recovered, run.Outcome);
        Assert.Equal(["Re-run probe: Failed", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Succeeded", "Re-run probe: Succeeded"], run.Timeline());
    }

    [Fact]
    public async Task Ctp_still_failing_after_the_cas_restart_escalates_with_the_evidence_and_logging_off()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "CAS1", FaultMode.Ineffective, null));

        var run = await host.RunAsync(Ctp);

        Assert.Equal(RunOutcome.Escalated, run.Outcome);
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

        Assert.Equal(RunOutcome.Recovered, run.Outcome);
        Assert.Equal(["Re-run probe: Failed", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Succeeded", "Re-run probe: Succeeded"], run.Timeline());
    }

    [Fact]
    public async Task Ctp_turns_protocol_logging_off_even_when_a_step_fails()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "CAS1", FaultMode.Fail, "The RPC server is unavailable."));

        var run = await host.RunAsync(Ctp);

        Assert.Equal(RunOutcome.Failed, run.Outcome);
        Assert.Contains("The RPC server is unavailable.", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["Restart server: Failed", "Turn protocol logging off: Succeeded"], run.Timeline()[^2..]);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task Ctp_never_restarts_the_last_healthy_cas_of_a_site_and_still_turns_logging_off()
    {
        await using var host = await org.StartHostAsync();
        await BreakCasProxyAsync();

        var run = await host.RunAsync(Ctp);

        Assert.Equal(RunOutcome.Rejected, run.Outcome);
        Assert.Contains("last healthy Client Access server of site Lab", run.Reason, StringComparison.Ordinal);
        Assert.Equal(["Safety check: Restart server: Rejected", "Turn protocol logging off: Succeeded"], run.Timeline()[^2..]);
        Assert.DoesNotContain("RestartServer", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task Ctp_recovers_an_unhealthy_mailbox_server_first_as_a_sub_run()
    {
        await using var host = await HostWithSecondCasAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(Ctp);

        Assert.Equal(RunOutcome.Recovered, run.Outcome);
        Assert.Contains("Recover mailbox server MBX1 (playbook 3.1): Succeeded", run.Timeline());
        Assert.Contains("Failed at Auth [UNAVAILABLE]", run.Steps[0].Answer, StringComparison.Ordinal);
        var sub = Assert.Single(await host.Get<IRunLedger>().ListAsync("MBX1", 10, default));
        Assert.Equal((run.RunId, RunOutcome.Recovered), (sub.ParentRunId, sub.Outcome));
        Assert.Equal(["Safety check: Restart MSExchangeIMAP4BE: Allowed", "Restart MSExchangeIMAP4BE: Succeeded", "Re-run probe: Succeeded"], sub.Timeline());
        Assert.DoesNotContain(run.Steps, s => s.Name == "Restart server");
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
    }

    [Fact]
    public async Task Cancelling_a_run_waiting_for_approval_stops_it_and_turns_logging_off()
    {
        await using var host = await HostWithSecondCasAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "ServerRestart",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:05:00",
        });
        await BreakCasProxyAsync();

        var runId = await host.StartAsync(Ctp);
        await host.WaitForApprovalRequestAsync("CAS1");
        using var cancel = await host.PostAsync($"api/runs/{runId}/cancel", new { by = "ops-oncall" });
        var run = await host.CompletedAsync("CAS1");

        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(RunOutcome.Cancelled, run.Outcome);
        Assert.Equal("Cancelled by ops-oncall.", run.Reason);
        Assert.Equal("Turn protocol logging off: Succeeded", run.Timeline()[^1]);
        Assert.False(org.Organisation.ProtocolLogEnabled("CAS1"));
        Assert.DoesNotContain("RestartServer", (await host.ActionsAsync(run.RunId)).Select(a => a.Operation));
    }

    [Fact]
    public async Task Proxy_test_restarts_imap4_then_the_cas()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ProxyHealthSet, "ImapProxyTestMonitor"));

        Assert.Equal(RunOutcome.Recovered, run.Outcome);
        Assert.Equal(
        [
            "Re-run probe: Failed",
            "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Failed", "Re-run probe: Failed",
            "Safety check: Restart server: Allowed", "Restart server: Succeeded", "Re-run probe: Succeeded",
        ], run.Timeline());
    }

    [Fact]
    public async Task Proxy_test_still_failing_after_the_cas_restart_escalates()
    {
        await using var host = await HostWithSecondCasAsync();
        await BreakCasProxyAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "CAS1", FaultMode.Ineffective, null));

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ProxyHealthSet, "ImapProxyTestMonitor"));

        Assert.Equal(RunOutcome.Escalated, run.Outcome);
        Assert.Equal("Re-run probe: Failed", run.Timeline()[^1]);
        Assert.Contains("still fails on CAS1 after a restart", run.Reason, StringComparison.Ordinal);
    }
}
