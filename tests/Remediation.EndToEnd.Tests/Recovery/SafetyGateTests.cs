using Remediation.AgentApi;
using Remediation.EndToEnd.Tests.Storage;
using Remediation.Exchange;
using Remediation.Imap;
using Remediation.Lab.Agent;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>
/// The safety gate under what breaks it: a DAG member left drained by an earlier run, and two hosts sharing one
/// persistent safety store while both members of a DAG fail at once. Judged by the agent's audit, not by the runs.
/// </summary>
[Collection(nameof(OrganisationCollection))]
public sealed class SafetyGateTests(OrganisationFixture org, AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    static Alerts.Alert DeepTest(string server) => PlaybookHarness.Alert(server, ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor");

    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    void BackEndStaysBroken(string server) => org.Faults.Add(new LabFault(AgentOperation.RestartService, server, FaultMode.Ineffective, null));

    [Fact]
    public async Task A_member_left_drained_blocks_the_dag_until_it_is_failed_back_by_hand_then_its_hold_lapses()
    {
        // MBX1's run ends drained: it reboots, but its IMAP4 never comes back, so it is not failed back.
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:RestartWait"] = "00:00:03",
            ["Remediation:Throttles:ServerRestart:GroupMinInterval"] = "00:00:00", // two DAG members restarted minutes apart
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        BackEndStaysBroken("MBX1");
        org.Faults.Add(new LabFault(AgentOperation.RestartServer, "MBX1", FaultMode.Ineffective, null));
        var first = await host.RunAsync(DeepTest("MBX1"));

        // MBX2 fails meanwhile: draining it now would take every database offline.
        await org.Lab.MailboxServers["MBX2"].StopAsync();
        BackEndStaysBroken("MBX2");
        var blocked = await host.RunAsync(DeepTest("MBX2"));

        // An operator fixes MBX1 and fails it back by hand; MBX2's next run may drain and restart it.
        await org.Lab.MailboxServers["MBX1"].StartAsync();
        await host.Get<AgentConnection>().Client().SetDatabaseCopyActivationAsync("MBX1", false, Guid.NewGuid().ToString(), default);
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // the lab's fail-back takes a second to settle, as on Exchange
        var after = await host.RunAsync(DeepTest("MBX2") with { AlertId = "after-fail-back" });

        first.AssertOutcome(RunOutcome.Escalated);
        blocked.AssertOutcome(RunOutcome.Rejected);
        Assert.DoesNotContain(await host.ActionsAsync(blocked.RunId), a => a.Operation is "SetDatabaseCopyActivation" or "RestartServer");
        after.AssertOutcome(RunOutcome.Recovered);
        Assert.Contains("that hold lapsed", after.Steps.First(s => s.Name == "Safety check: Fail databases over").Answer, StringComparison.Ordinal);
        Assert.Equal(["RestartService", "SetDatabaseCopyActivation", "RestartServer", "SetDatabaseCopyActivation", "ActivatePreferredOnServer"], (await host.ActionsAsync(after.RunId)).Select(a => a.Operation));
    }

    [Fact]
    public async Task Two_hosts_sharing_a_safety_store_never_drain_both_members_of_a_dag_whose_queues_stay_high_together()
    {
        // Two engine instances (scaled out) on one Azurite: one task hub, one ledger, one safety store.
        var hub = $"gate{Guid.NewGuid():N}"[..15];
        var shared = new Dictionary<string, string?>
        {
            ["Remediation:Storage:ConnectionString"] = azurite.ConnectionString,
            ["Remediation:Storage:TablePrefix"] = hub,
            ["Remediation:TaskHub"] = hub,
            ["Remediation:Durable:LeaseInterval"] = "00:00:15",
        };
        await using var a = await org.StartHostAsync(shared);
        await using var b = await org.StartHostAsync(shared);
        var started = TimeProvider.System.GetUtcNow();
        // Both queues stay over 500 after an IMAP4 restart (playbook 3.4): each run wants to drain and restart its
        // server, and each server's copies stay healthy, so only the gate's memory stands between them.
        foreach (var server in new[] { "MBX1", "MBX2" })
        {
            org.Organisation.SetCounters(new ImapCounters(server, 20, 900));
            BackEndStaysBroken(server);
        }

        // Both alerts at once, one to each host.
        static Alerts.Alert Queue(string server) => PlaybookHarness.Alert(server, ImapHealthModel.ImapHealthSet, "RequestsQueuedGt500Monitor");
        await Task.WhenAll(a.StartAsync(Queue("MBX1")), b.StartAsync(Queue("MBX2")));
        var runs = await Task.WhenAll(a.CompletedAsync("MBX1"), b.CompletedAsync("MBX2"));

        // The agent's audit, in order: replay every drain, restart and fail-back. Whichever run goes first, and whether
        // the other waits its turn or is refused, no two members are ever drained at once and no server is restarted
        // undrained.
        var audit = (await a.Get<AgentConnection>().Client().GetAuditAsync(10_000, default)).Where(e => e.At >= started && e.Status == 200).ToList();
        var drained = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in audit.Where(e => e.Operation is "SetDatabaseCopyActivation" or "RestartServer"))
        {
            if (entry.Operation == "RestartServer")
            {
                Assert.True(drained.SetEquals([entry.Server!]), $"{entry.Server} was restarted while the drained servers were: {string.Join(", ", drained)}.");
            }
            else if (entry.Arguments["DatabaseCopyActivationDisabledAndMoveNow"] == "$true")
            {
                drained.Add(entry.Server!);
                Assert.True(drained.Count == 1, $"{string.Join(" and ", drained)} were drained at once.");
            }
            else
            {
                drained.Remove(entry.Server!);
            }
        }

        Assert.Contains(audit, e => e.Operation == "RestartServer");
        Assert.Contains(runs, r => r.Outcome == RunOutcome.Recovered);
        foreach (var refused in runs.Where(r => r.Outcome != RunOutcome.Recovered))
        {
            // Refused by the hold ("Not now"), or, once the first run ended, by the DAG's restart throttle.
            Assert.True(refused.Outcome is RunOutcome.Rejected or RunOutcome.Throttled, $"{refused.Server}: {refused.Outcome}: {refused.Reason}");
            Assert.DoesNotContain(await a.ActionsAsync(refused.RunId), e => e.Operation is "SetDatabaseCopyActivation" or "RestartServer");
        }
    }
}
