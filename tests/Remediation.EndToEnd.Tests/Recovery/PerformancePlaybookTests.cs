using Remediation.AgentApi;
using Remediation.Exchange;
using Remediation.Imap;
using Remediation.Lab.Agent;
using Remediation.Monitoring;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>Playbook 3.4 with its durable waits (200 ms here, 10 minutes in production).</summary>
[Collection(nameof(OrganisationCollection))]
public sealed class PerformancePlaybookTests(OrganisationFixture org) : IAsyncLifetime
{
    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    [Fact]
    public async Task The_performance_monitors_are_fed_from_the_counters_the_agent_reads_and_raise_an_alert()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?> { ["Remediation:Monitors:ConsecutiveFailures"] = "1" });
        org.Organisation.SetCounters(new ImapCounters("CAS1", 75_000, 3));

        await host.Get<ProbeCycle>().RunAsync(default);

        var rows = ServerHealth.Query(host.Get<MonitorBoard>(), "CAS1", "IMAP");
        Assert.Equal(HealthState.Unhealthy, rows.Single(r => r.Name == "AverageCommandProcessingTimeGt60sMonitor").AlertValue);
        Assert.Equal(HealthState.Healthy, rows.Single(r => r.Name == "RequestsQueuedGt500Monitor").AlertValue);
        var queued = await host.Get<Alerts.IAlertQueue>().ReceiveAsync(100, TimeSpan.Zero, default);
        var alert = Assert.Single(queued, q => q.Alert!.Monitor == "AverageCommandProcessingTimeGt60sMonitor").Alert!;
        Assert.Equal(("CAS1", "IMAP"), (alert.Server, alert.HealthSet));
        Assert.Contains("Average Command Processing Time on CAS1 is 75000 ms (limit 60000 ms)", alert.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_imap4_service_is_recovered_by_a_restart_and_two_healthy_rechecks()
    {
        await using var host = await org.StartHostAsync();
        org.Organisation.SetCounters(new ImapCounters("CAS1", 75_000, 3));

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ImapHealthSet, "AverageCommandProcessingTimeGt60sMonitor"));

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
            ["Read IMAP4 counters: Succeeded", "Safety check: Restart MSExchangeIMAP4: Allowed", "Restart MSExchangeIMAP4: Succeeded", "Read server health: Succeeded", "Read server health: Succeeded"],
            run.Timeline());
        var reads = run.Steps.Where(s => s.Name == "Read server health").ToList();
        Assert.True(reads[1].StartedAt - reads[0].EndedAt >= TimeSpan.FromMilliseconds(200), "the second read waits the recheck interval");
    }

    [Theory]
    [InlineData("RequestsQueuedGt500Monitor", "MBX1")]
    [InlineData("AverageCommandProcessingTimeGt60sMonitor", "CAS1")]
    public async Task A_performance_alert_on_a_healthy_server_is_verified_from_its_counters_and_touches_nothing(string monitor, string server)
    {
        await using var host = await org.StartHostAsync();
        org.Organisation.SetCounters(new ImapCounters(server, 20, 3));
        var started = TimeProvider.System.GetUtcNow();

        var run = await host.RunAsync(PlaybookHarness.Alert(server, ImapHealthModel.ImapHealthSet, monitor));

        run.AssertOutcome(RunOutcome.Transient);
        Assert.Equal(["Read IMAP4 counters: Succeeded"], run.Timeline());
        var audit = await host.Get<AgentConnection>().Client().GetAuditAsync(10_000, default);
        Assert.Contains(audit, e => e.At >= started && e.Operation == "GetImapCounters" && e.Server == server);
        Assert.DoesNotContain(audit, e => e.At >= started && e.Operation is "RestartService" or "RestartServer" or "SetDatabaseCopyActivation");
    }

    [Fact]
    public async Task An_alert_that_names_no_monitor_on_a_healthy_server_ends_transient_without_acting()
    {
        await using var host = await org.StartHostAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ImapHealthSet, null));

        run.AssertOutcome(RunOutcome.Transient);
        Assert.Equal(["Read server health: Succeeded"], run.Timeline());
        Assert.Empty(await host.ActionsAsync(run.RunId));
    }

    [Fact]
    public async Task A_mailbox_server_with_a_queue_that_stays_is_drained_restarted_and_failed_back()
    {
        await using var host = await org.StartHostAsync();
        org.Organisation.SetCounters(new ImapCounters("MBX2", 20, 900));
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "MBX2", FaultMode.Ineffective, null));

        var run = await host.RunAsync(PlaybookHarness.Alert("MBX2", ImapHealthModel.ImapHealthSet, "RequestsQueuedGt500Monitor"));

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
        [
            "Read IMAP4 counters: Succeeded",
            "Safety check: Restart MSExchangeIMAP4BE: Allowed", "Restart MSExchangeIMAP4BE: Failed", "Read server health: Succeeded", "Read server health: Succeeded",
            "Safety check ahead: Restart server: Allowed", "Read activation as found: Succeeded", "Safety check: Fail databases over: Allowed", "Fail databases over: Succeeded", "Check active copies: Succeeded",
            "Safety check: Restart server: Allowed", "Restart server: Succeeded", "Wait for the server to come back: Succeeded", "Read server health: Succeeded",
            "Maintenance check: Fail back: Allowed", "Fail back: Succeeded", "Move databases back: Succeeded", "Check active copies: Succeeded"], run.Timeline());
        Assert.Equal("Requests Queued on MBX2 is 900 (limit 500)", run.Steps[0].Answer);
        Assert.Contains("RequestsQueuedGt500Monitor=Unhealthy", run.Steps[3].Answer, StringComparison.Ordinal);
        Assert.False(org.Organisation.IsActivationDisabled("MBX2"));
    }

    [Fact]
    public async Task A_cas_still_unhealthy_after_its_restart_escalates()
    {
        await using var host = await org.StartHostAsync();
        await host.ProbedHealthyAsync("CAS2");
        org.Organisation.SetCounters(new ImapCounters("CAS1", 20, 900));
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "CAS1", FaultMode.Ineffective, null));
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "CAS1", FaultMode.Ineffective, null));

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ImapHealthSet, "RequestsQueuedGt500Monitor"));

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal(["Restart server: Succeeded", "Wait for the server to come back: Succeeded", "Read server health: Succeeded"], run.Timeline()[^3..]);
        Assert.DoesNotContain(run.Steps, s => s.Name.Contains("databases", StringComparison.Ordinal));
    }
}
