using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Remediation.AgentApi;
using Remediation.Exchange;
using Remediation.Lab;
using Remediation.Lab.Agent;

namespace Remediation.Agent.Tests;

[Collection(nameof(AgentCollection))]
public sealed class LabExecutorTests(AgentFixture agent) : IAsyncLifetime
{
    public Task InitializeAsync() => agent.HealAsync();

    public async Task DisposeAsync()
    {
        await agent.HealAsync();
        var client = agent.Client();
        foreach (var server in new[] { "MBX1", "MBX2" })
        {
            await client.SetDatabaseCopyActivationAsync(server, false, Guid.NewGuid().ToString(), default);
        }

        await agent.HealAsync();
    }

    [Fact]
    public async Task Restarting_the_back_end_service_restarts_a_real_dovecot_that_a_probe_then_reaches()
    {
        var backEnd = agent.Lab.MailboxServers["MBX1"];
        await backEnd.StopAsync(hard: true);
        Assert.False(await DovecotInstance.GreetsAsync(backEnd.ImapPort, default));

        var result = await agent.Client().RestartServiceAsync("MBX1", "MSExchangeIMAP4BE", Guid.NewGuid().ToString(), default);

        Assert.True(result.Running);
        Assert.True(await DovecotInstance.GreetsAsync(backEnd.ImapPort, default));
        var health = await agent.Client().GetServerHealthAsync("MBX1", default);
        Assert.All(health.Rows.Where(r => r.HealthSetName == "IMAP.Protocol"), r => Assert.Equal(Imap.HealthState.Healthy, r.AlertValue));
    }

    [Fact]
    public async Task A_server_restart_answers_at_once_and_the_os_comes_back_before_imap4()
    {
        var client = agent.Client();
        var backEnd = agent.Lab.MailboxServers["MBX2"];

        var started = await client.RestartServerAsync("MBX2", Guid.NewGuid().ToString(), default);
        var seen = new List<ServerState>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (seen.Count == 0 || !seen[^1].IsBackFrom(started.BootedBefore, [Imap.ImapServices.BackEnd]))
        {
            seen.Add(await client.GetServerStateAsync("MBX2", deadline.Token));
            await Task.Delay(25, deadline.Token);
        }

        // Down, then the OS answers with a new boot time while IMAP4 is still stopped, then IMAP4 runs.
        Assert.False(seen[0].Reachable);
        Assert.Contains(seen, s => s.Reachable && s.LastBoot > started.BootedBefore && s.Services[Imap.ImapServices.BackEnd] == "Stopped");
        Assert.True(await DovecotInstance.GreetsAsync(backEnd.ImapPort, default));
    }

    [Fact]
    public async Task Protocol_logging_changes_take_effect_only_when_imap4_restarts()
    {
        var client = agent.Client();
        var organisation = agent.App.Services.GetRequiredService<LabOrganisation>();

        await client.SetImapSettingsAsync("MBX1", true, Guid.NewGuid().ToString(), default);
        var beforeRestart = organisation.ProtocolLogApplied("MBX1");
        await client.RestartServiceAsync("MBX1", Imap.ImapServices.BackEnd, Guid.NewGuid().ToString(), default);
        var afterRestart = organisation.ProtocolLogApplied("MBX1");
        await client.SetImapSettingsAsync("MBX1", false, Guid.NewGuid().ToString(), default);
        var offNotApplied = organisation.ProtocolLogApplied("MBX1");
        await client.RestartServiceAsync("MBX1", Imap.ImapServices.BackEnd, Guid.NewGuid().ToString(), default);

        Assert.Equal((false, true, true, false), (beforeRestart, afterRestart, offNotApplied, organisation.ProtocolLogApplied("MBX1")));
    }

    [Fact]
    public async Task A_repeated_idempotency_key_returns_the_recorded_answer_and_does_not_restart_twice()
    {
        var client = agent.Client();
        var key = Guid.NewGuid().ToString();

        var first = await client.RestartServiceAsync("MBX1", "MSExchangeIMAP4BE", key, default);
        var pidAfterFirst = agent.Lab.MailboxServers["MBX1"].Pid;
        var calls = agent.Executions.Calls;
        var second = await client.RestartServiceAsync("MBX1", "MSExchangeIMAP4BE", key, default);

        Assert.Equal(first, second);
        Assert.Equal(pidAfterFirst, agent.Lab.MailboxServers["MBX1"].Pid);
        Assert.Equal(calls, agent.Executions.Calls);
        var audit = await client.GetAuditAsync(1000, default);
        Assert.Equal(2, audit.Count(e => e.IdempotencyKey == key && e.Status == 200));
    }

    [Fact]
    public async Task The_same_idempotency_key_for_another_request_is_a_conflict()
    {
        var client = agent.Client();
        var key = Guid.NewGuid().ToString();
        await client.SetImapSettingsAsync("CAS1", true, key, default);

        var error = await Assert.ThrowsAsync<AgentException>(() => client.SetImapSettingsAsync("CAS1", false, key, default));

        Assert.Equal(HttpStatusCode.Conflict, error.Status);
        await client.SetImapSettingsAsync("CAS1", false, Guid.NewGuid().ToString(), default);
    }

    [Fact]
    public async Task A_drain_moves_active_copies_away_allowing_activation_moves_nothing_and_the_preferred_move_brings_them_home()
    {
        var client = agent.Client();
        Assert.False((await client.GetDatabaseCopyStatusAsync("MBX1", default)).HasNoActiveCopy);

        var drained = await client.SetDatabaseCopyActivationAsync("MBX1", true, Guid.NewGuid().ToString(), default);
        var elsewhere = await client.GetDatabaseCopyStatusAsync("MBX2", default);
        var allowed = await client.SetDatabaseCopyActivationAsync("MBX1", false, Guid.NewGuid().ToString(), default);
        var back = await client.ActivatePreferredOnServerAsync("MBX1", Guid.NewGuid().ToString(), default);

        Assert.True(drained.HasNoActiveCopy);
        Assert.Equal(2, elsewhere.ByStatus["Mounted"]);
        // Exchange 2013 (Set-MailboxServer reference): $false only allows activation again; nothing moves back.
        Assert.True(allowed.HasNoActiveCopy);
        Assert.False(allowed.ActivationDisabled);
        Assert.Equal("Mounted", back.Copies.Single(c => c.Database == "DB1").Status);
    }

    [Fact]
    public async Task Exchanges_maintenance_switches_are_visible_through_the_agent_and_a_blocked_peer_takes_no_database()
    {
        var client = agent.Client();
        var organisation = agent.App.Services.GetRequiredService<LabOrganisation>();
        try
        {
            organisation.SetComponentState("MBX2", "ServerWideOffline", "Inactive");
            organisation.SetAutoActivationPolicy("MBX2", "Blocked");

            var states = await client.GetServerComponentStatesAsync("MBX2", default);
            var peer = await client.GetDatabaseCopyStatusAsync("MBX2", default);
            var drained = await client.SetDatabaseCopyActivationAsync("MBX1", true, Guid.NewGuid().ToString(), default);

            Assert.True(states.InMaintenance);
            Assert.False((await client.GetServerComponentStatesAsync("MBX1", default)).InMaintenance);
            Assert.Equal("Blocked", peer.AutoActivationPolicy);
            Assert.Equal("mbx1", peer.Copies.Single(c => c.Database == "DB1").ActiveOn);
            // Exchange never activates a copy on a Blocked server: DB1 has nowhere to go and stays active on MBX1.
            Assert.False(drained.HasNoActiveCopy);
            Assert.Equal("mbx1", drained.Copies.Single(c => c.Database == "DB1").ActiveOn);
        }
        finally
        {
            organisation.SetComponentState("MBX2", "ServerWideOffline", "Active");
            organisation.SetAutoActivationPolicy("MBX2", "Unrestricted");
            organisation.SetActivationDisabled("MBX1", false);
        }
    }

    [Fact]
    public async Task Protocol_logging_is_set_and_read_back()
    {
        var client = agent.Client();

        var on = await client.SetImapSettingsAsync("CAS1", true, Guid.NewGuid().ToString(), default);
        var off = await client.SetImapSettingsAsync("CAS1", false, Guid.NewGuid().ToString(), default);

        Assert.True(on.ProtocolLogEnabled);
        Assert.False(off.ProtocolLogEnabled);
        Assert.EndsWith(Path.Combine("cas1", "Logging", "Imap4"), on.LogFileLocation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_injected_failure_comes_back_as_the_cmdlet_error_and_a_hang_as_a_timeout()
    {
        var faults = (LabFaults)agent.App.Services.GetService(typeof(LabFaults))!;
        faults.Add(new LabFault(AgentOperation.RestartService, "MBX1", FaultMode.Fail, "The service cannot be started."));
        faults.Add(new LabFault(AgentOperation.GetImapSettings, "MBX2", FaultMode.Hang, null));
        var client = agent.Client();

        var failed = await Assert.ThrowsAsync<AgentException>(() => client.RestartServiceAsync("MBX1", "MSExchangeIMAP4BE", Guid.NewGuid().ToString(), default));
        var hung = await Assert.ThrowsAnyAsync<AgentException>(() => client.GetImapSettingsAsync("MBX2", default));

        Assert.Equal(HttpStatusCode.BadGateway, failed.Status);
        Assert.Contains("Restart-Service: The service cannot be started.", failed.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.GatewayTimeout, hung.Status);
        Assert.IsType<AgentUnavailableException>(hung);
    }

    [Fact]
    public async Task Counters_come_from_the_lab_and_feed_server_health()
    {
        var organisation = (LabOrganisation)agent.App.Services.GetService(typeof(LabOrganisation))!;
        organisation.SetCounters(new ImapCounters("CAS1", 75_000, 12));

        var counters = await agent.Client().GetImapCountersAsync("CAS1", default);
        var health = await agent.Client().GetServerHealthAsync("CAS1", default);
        organisation.SetCounters(new ImapCounters("CAS1", 12, 0));

        Assert.Equal(75_000, counters.AverageCommandProcessingTimeMs);
        Assert.Equal(Imap.HealthState.Unhealthy, health.Rows.Single(r => r.Name == "AverageCommandProcessingTimeGt60sMonitor").AlertValue);
        Assert.Equal(Imap.HealthState.Healthy, health.Rows.Single(r => r.Name == "RequestsQueuedGt500Monitor").AlertValue);
    }
}
