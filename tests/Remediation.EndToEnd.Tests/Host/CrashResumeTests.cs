using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Agent.Audit;
using Remediation.AgentApi;
using Remediation.EndToEnd.Tests.Recovery;
using Remediation.EndToEnd.Tests.Storage;
using Remediation.Imap;
using Remediation.Lab;
using Remediation.Lab.Agent;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.EndToEnd.Tests.Host;

/// <summary>
/// The standalone host on the Azure Storage Durable provider (Azurite): SIGKILLed while a run sits in playbook 3.4's
/// durable wait, a new host process takes the task hub over and finishes the run. The agent runs outside the killed
/// process, so its audit log tells whether anything was done twice.
/// </summary>
[Collection(nameof(OrganisationCollection))]
public sealed class CrashResumeTests(OrganisationFixture org, AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    Dictionary<string, string?> DurableSettings(string hub) => new()
    {
        ["Remediation:Storage:ConnectionString"] = azurite.ConnectionString,
        ["Remediation:Storage:TablePrefix"] = hub,
        ["Remediation:TaskHub"] = hub,
        ["Remediation:Durable:LeaseInterval"] = "00:00:15",
        ["Remediation:Durable:MessageVisibilityTimeout"] = "00:00:10",
    };

    [Fact]
    public async Task A_restarted_host_remembers_the_throttle_and_does_not_restart_again()
    {
        var settings = DurableSettings($"thr{Guid.NewGuid():N}"[..14]);
        settings["Remediation:Throttles:RestartService:ServerMaxPerDay"] = "1";
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        await using (var first = await org.StartHostAsync(settings))
        {
            var recovered = await first.RunAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));
            Assert.Equal(RunOutcome.Recovered, recovered.Outcome);
        }

        await org.Lab.MailboxServers["MBX1"].StopAsync();
        await using var second = await org.StartHostAsync(settings);
        var run = await second.RunAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));

        run.AssertOutcome(RunOutcome.Throttled);
        Assert.Contains("1 already on server MBX1 in 24 h, the limit is 1", run.Reason, StringComparison.Ordinal);
        Assert.Empty(await second.ActionsAsync(run.RunId));
    }

    [Fact]
    public async Task A_run_the_previous_release_started_and_left_waiting_for_approval_finishes_after_the_deploy()
    {
        var settings = DurableSettings($"ver{Guid.NewGuid():N}"[..14]);
        settings["Remediation:Recovery:ApprovalRequiredFor:0"] = "RestartService";
        settings["Remediation:Recovery:ApprovalTimeout"] = "00:05:00";
        settings["Remediation:Probes:Enabled"] = "false";
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        // The previous release started its runs with no orchestration version (version 1): no Exchange confirmation,
        // no check before asking. Its history, kept in Azure Storage, is what the new release must replay. (Both hosts
        // run this build; the version-1 path in it is what the previous release did, call for call.)
        string runId;
        await using (var before = await org.StartHostAsync(settings))
        {
            var alert = PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor");
            runId = $"mbx1-v1-{Guid.NewGuid():N}"[..20];
            var request = new Remediation.Recovery.RecoveryRequest(runId, "MBX1", Topology.ServerRole.Mailbox, alert.HealthSet, alert.Monitor, alert,
                before.Get<Microsoft.Extensions.Options.IOptionsMonitor<Remediation.Recovery.RecoverySettings>>().CurrentValue, "MBX1");
            await before.Get<Microsoft.DurableTask.Client.DurableTaskClient>().ScheduleNewOrchestrationInstanceAsync(
                nameof(Remediation.Recovery.ImapRecoveryOrchestrator), request, new Microsoft.DurableTask.StartOrchestrationOptions(Remediation.Recovery.RecoveryInstance.IdFor("MBX1")));
            await before.WaitForApprovalRequestAsync("MBX1");
        }

        // The deploy: a new host on the same task hub; the operator approves through it.
        await using var after = await org.StartHostAsync(settings);
        using var approved = await after.DecideAsync(await after.WaitForApprovalRequestAsync("MBX1"), "after the deploy");
        var run = await after.CompletedAsync("MBX1");

        Assert.Equal(System.Net.HttpStatusCode.Accepted, approved.StatusCode);
        Assert.Equal(runId, run.RunId);
        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(["Re-run probe: Failed", "Approval for: Restart MSExchangeIMAP4BE: Approved", "Re-run probe: Failed", "Safety check: Restart MSExchangeIMAP4BE: Allowed", "Restart MSExchangeIMAP4BE: Succeeded", "Re-run probe: Succeeded"], run.Timeline());
        Assert.Equal(["RestartService"], (await after.ActionsAsync(runId)).Select(a => a.Operation));
        Assert.True(org.Lab.MailboxServers["MBX1"].IsRunning);
    }

    [Fact]
    public async Task Two_hosts_share_the_safety_state_and_never_both_take_the_last_slot()
    {
        var tables = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
        var table = tables.GetTableClient($"s{Guid.NewGuid():N}"[..12]);
        await table.CreateIfNotExistsAsync();
        ISafetyStore[] hosts = [new TableSafetyStore(table), new TableSafetyStore(table)];
        var rule = new ThrottleRule { ServerMaxPerDay = 6, GroupMaxPerDay = 24 };
        var now = TimeProvider.System.GetUtcNow();

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => hosts[i % 2].ChangeAsync(
            "DAG1", s => ThrottleLedger.TryAcquire(s, rule, DisruptiveAction.RestartService, "MBX1", "DAG1", $"run{i}:1", now), default)));
        var holdA = await hosts[0].ChangeAsync("DAG1", s => s.HolderRunId is null ? (s with { HolderRunId = "a", HolderServer = "MBX1" }, true) : (s, false), default);
        var holdB = await hosts[1].ChangeAsync("DAG1", s => s.HolderRunId is null ? (s with { HolderRunId = "b", HolderServer = "MBX2" }, true) : (s, false), default);
        await hosts[1].ReleaseAsync("a", default);
        var holdBAgain = await hosts[1].ChangeAsync("DAG1", s => s.HolderRunId is null ? (s with { HolderRunId = "b", HolderServer = "MBX2" }, true) : (s, false), default);

        Assert.Equal(6, verdicts.Count(v => v.Allowed));
        Assert.Equal((true, false, true), (holdA, holdB, holdBAgain));
    }

    [Fact]
    public async Task A_cas_run_that_starts_its_mailbox_servers_run_completes_on_the_azure_storage_provider()
    {
        // One run starting another server's run (through the Durable client, from an activity) on the stored backend.
        var settings = DurableSettings($"sub{Guid.NewGuid():N}"[..14]);
        await using var host = await org.StartHostAsync(settings);
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("CAS1", ImapHealthModel.ImapHealthSet, "ImapCTPMonitor"));

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Contains("Recover mailbox server MBX1 (playbook 3.1): Succeeded", run.Timeline());
        var sub = Assert.Single(await host.Get<IRunLedger>().ListAsync(new RunFilter("MBX1"), 10, default));
        Assert.Equal((run.RunId, RunOutcome.Recovered), (sub.ParentRunId, sub.Outcome));
    }

    [Fact]
    public async Task A_host_killed_during_a_durable_wait_is_resumed_by_the_next_host_without_repeating_an_operation()
    {
        var hub = $"crash{Guid.NewGuid():N}"[..16];
        var settings = new Dictionary<string, string?>(LabMode.Settings(org.Lab));
        foreach (var (key, value) in org.HostSettings(new Dictionary<string, string?>(DurableSettings(hub))
        {
            // Long enough that the kill lands inside the second wait, short enough that it is due when the next host is up.
            ["Remediation:Recovery:RecheckWait"] = "00:00:08",
            ["Remediation:Probes:Enabled"] = "false",
            ["Remediation:Pump:Interval"] = "00:00:00.500",
        }))
        {
            settings[key] = value;
        }

        // Playbook 3.4 on a mailbox server whose queue stays after the IMAP4 restart: restart IMAP4, wait, read health,
        // drain, restart the server, wait (the kill), read health, fail back.
        org.Organisation.SetCounters(new ImapCounters("MBX2", 20, 900));
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "MBX2", FaultMode.Ineffective, null));
        var marker = Environment.GetEnvironmentVariable("REMEDIATION_LAB_ROOT") ?? "none";

        string runId;
        await using (var first = await HostProcess.StartAsync(settings, marker))
        {
            using var console = await LabHttp.ClientAsync(first.Address);
            using var posted = await console.PostAsJsonAsync("api/alerts", new { alertId = "crash-1", server = "MBX2", healthSet = "IMAP", monitor = "RequestsQueuedGt500Monitor" });
            posted.EnsureSuccessStatusCode();
            var waiting = await first.WaitForRunAsync("MBX2", r => r.Steps.Any(s => s.Name == "Restart server" && s.Outcome == StepOutcome.Succeeded) && r.CurrentStep?.StartsWith("Waiting", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(90));
            runId = waiting.RunId;
            await first.KillAsync();
        }

        await using var second = await HostProcess.StartAsync(settings, marker);
        var run = await second.WaitForRunAsync("MBX2", r => r.RunId == runId && r.Outcome != RunOutcome.Running, TimeSpan.FromSeconds(120));

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
        [
            "Read IMAP4 counters: Succeeded",
            "Safety check: Restart MSExchangeIMAP4BE: Allowed", "Restart MSExchangeIMAP4BE: Failed", "Read server health: Succeeded", "Read server health: Succeeded",
            "Safety check ahead: Restart server: Allowed", "Read activation as found: Succeeded", "Safety check: Fail databases over: Allowed", "Fail databases over: Succeeded", "Check active copies: Succeeded",
            "Safety check: Restart server: Allowed", "Restart server: Succeeded", "Wait for the server to come back: Succeeded", "Read server health: Succeeded",
            "Maintenance check: Fail back: Allowed", "Fail back: Succeeded", "Move databases back: Succeeded", "Check active copies: Succeeded"], run.Timeline());
        var lines = (await org.Agent.Services.GetRequiredService<AuditLog>().ReadAsync(10_000, 0, default)).Where(e => e.IdempotencyKey?.StartsWith(runId + ":", StringComparison.Ordinal) == true).ToList();
        var audit = lines.Where(e => e.Status != 102).ToList(); // the answers; each change also wrote its "Started" line
        Assert.Equal(["RestartService", "SetDatabaseCopyActivation", "RestartServer", "SetDatabaseCopyActivation", "ActivatePreferredOnServer"], audit.Select(a => a.Operation));
        Assert.Equal(audit.Count, audit.Select(a => a.IdempotencyKey).Distinct().Count());
        Assert.Equal(audit.Select(a => a.IdempotencyKey), lines.Where(e => e.Status == 102).Select(e => e.IdempotencyKey)); // each started once
        Assert.False(org.Organisation.IsActivationDisabled("MBX2"));
    }
}
