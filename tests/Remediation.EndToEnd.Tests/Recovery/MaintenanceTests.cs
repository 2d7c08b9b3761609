using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Lab.Agent;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>Maintenance windows scheduled through the API gate every disruptive step, fail-back included.</summary>
[Collection(nameof(OrganisationCollection))]
public sealed class MaintenanceTests(OrganisationFixture org) : IAsyncLifetime
{
    static readonly Alerts.Alert DeepTest = PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor");

    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    static object Window(string target, string name, TimeSpan from, TimeSpan duration, string reason) => new Dictionary<string, object>
    {
        [target] = name,
        ["start"] = TimeProvider.System.GetUtcNow().UtcDateTime.Add(from).ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
        ["duration"] = duration.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["reason"] = reason,
    };

    [Fact]
    public async Task A_run_inside_a_dag_window_touches_nothing_and_says_which_window_stopped_it()
    {
        await using var host = await org.StartHostAsync();
        using var scheduled = await host.PostAsync("api/maintenance", Window("dag", "DAG1", TimeSpan.FromMinutes(-1), TimeSpan.FromHours(1), "CU15 upgrade"));
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(DeepTest);

        Assert.Equal(HttpStatusCode.Created, scheduled.StatusCode);
        run.AssertOutcome(RunOutcome.Rejected);
        Assert.Equal("Safety check: Restart MSExchangeIMAP4BE: Rejected", run.Timeline()[^1]);
        Assert.Contains("MBX1 is in maintenance window mw-", run.Reason, StringComparison.Ordinal);
        Assert.Contains("DAG DAG1: CU15 upgrade", run.Reason, StringComparison.Ordinal);
        Assert.Empty(await host.ActionsAsync(run.RunId));
    }

    [Fact]
    public async Task A_fail_back_waits_for_the_window_that_opened_during_the_run_and_then_fails_back()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "MBX1", FaultMode.Ineffective, null));

        // Slow reads of the restarted server leave time to open a window once the restart has passed its gate.
        org.Faults.Add(new LabFault(AgentOperation.GetServerState, "MBX1", FaultMode.Slow, null, TimeSpan.FromSeconds(1)));
        await host.StartAsync(DeepTest);
        await host.WaitForStepAsync("MBX1", "Restart server");
        using var scheduled = await host.PostAsync("api/maintenance", Window("server", "MBX1", TimeSpan.FromMinutes(-1), TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(6), "memory upgrade"));
        var window = await scheduled.Content.ReadFromJsonAsync<JsonElement>();
        var run = await host.CompletedAsync("MBX1");

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
            // The probe again after the window closed: hours may pass in a window, so the failure is verified again.
            ["Re-run probe: Succeeded", "Maintenance check: Fail back: Rejected", "Re-run probe: Succeeded", "Maintenance check: Fail back: Allowed", "Fail back: Succeeded", "Move databases back: Succeeded", "Check active copies: Succeeded"],
            run.Timeline()[^7..]);
        var closes = DateTimeOffset.Parse(window.GetProperty("start").GetString()! + "Z", System.Globalization.CultureInfo.InvariantCulture) + TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(6);
        var actions = await host.ActionsAsync(run.RunId);
        Assert.Equal("ActivatePreferredOnServer", actions[^1].Operation);
        var failBack = actions[^2];
        Assert.Equal(("SetDatabaseCopyActivation", "$false"), (failBack.Operation, failBack.Arguments["DatabaseCopyActivationDisabledAndMoveNow"]));
        Assert.True(failBack.At >= closes, $"Failed back at {failBack.At:O}, the window closed at {closes:O}.");
        Assert.False(org.Organisation.IsActivationDisabled("MBX1"));
    }

    [Fact]
    public async Task A_run_terminated_while_its_server_is_drained_is_closed_by_the_reconciler_and_keeps_the_dags_hold()
    {
        await using var host = await org.StartHostAsync();
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new LabFault(AgentOperation.RestartService, "MBX1", FaultMode.Ineffective, null));
        org.Faults.Add(new LabFault(AgentOperation.GetServerState, "MBX1", FaultMode.Slow, null, TimeSpan.FromSeconds(1)));
        var runId = await host.StartAsync(DeepTest);
        await host.WaitForStepAsync("MBX1", "Restart server");
        using var scheduled = await host.PostAsync("api/maintenance", Window("server", "MBX1", TimeSpan.FromMinutes(-1), TimeSpan.FromMinutes(30), "memory upgrade"));
        await host.WaitForStepAsync("MBX1", "Maintenance check: Fail back");

        // Drained, waiting for the window to close before failing back: then the orchestration is terminated.
        var durable = host.Get<Microsoft.DurableTask.Client.DurableTaskClient>();
        await durable.TerminateInstanceAsync(Remediation.Recovery.RecoveryInstance.IdFor("MBX1"), "terminated from outside the product");
        using (var ended = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await durable.WaitForInstanceCompletionAsync(Remediation.Recovery.RecoveryInstance.IdFor("MBX1"), ended.Token);
        }

        var pass = await Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<Remediation.Recovery.RunReconciler>(host.App.Services).RunOnceAsync(default);

        Assert.Equal(1, pass.Closed);
        var run = (await host.Get<IRunLedger>().GetAsync(runId, default))!;
        run.AssertOutcome(RunOutcome.Failed);
        Assert.Contains("Activation on MBX1 reads True (Get-MailboxServer): it is left drained, so its hold stays", run.Reason, StringComparison.Ordinal);

        // What really is: MBX1 still drained in the lab, and its DAG still held by that run (no other member goes down).
        Assert.True(org.Organisation.IsActivationDisabled("MBX1"));
        Assert.Equal(runId, (await host.Get<Remediation.Safety.ISafetyStore>().GetAsync(LabOrganisation.Dag, default)).HolderRunId);
    }

    [Fact]
    public async Task The_api_lists_windows_refuses_bad_ones_by_name_and_removes_scheduled_ones()
    {
        await using var host = await org.StartHostAsync();
        using var http = await LabHttp.ClientAsync(host.Address);

        using var noTarget = await http.PostAsJsonAsync("api/maintenance", new { start = "2026-12-01T22:00:00", duration = "01:00:00" });
        using var unknown = await http.PostAsJsonAsync("api/maintenance", Window("server", "MBX7", TimeSpan.Zero, TimeSpan.FromHours(1), "x"));
        using var notJson = await http.PostAsync("api/maintenance", new StringContent("{\"server\":\"MBX1\"}", Encoding.UTF8, "text/plain"));
        using var weekly = await http.PostAsJsonAsync("api/maintenance", new { site = "Lab", days = new[] { "Saturday" }, at = "22:00:00", duration = "04:00:00", reason = "patch night" });
        var created = await weekly.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString();
        var listed = await http.GetFromJsonAsync<JsonElement>("api/maintenance");
        using var removed = await http.DeleteAsync($"api/maintenance/{id}");
        using var again = await http.DeleteAsync($"api/maintenance/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, noTarget.StatusCode);
        Assert.Contains("name exactly one of server, dag or site", await noTarget.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("server MBX7 matches no server", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.Created, weekly.StatusCode);
        var view = listed.EnumerateArray().Single(w => w.GetProperty("window").GetProperty("id").GetString() == id);
        Assert.Equal(DayOfWeek.Saturday, TimeZoneInfo.ConvertTime(view.GetProperty("nextStart").GetDateTimeOffset(), TimeZoneInfo.Utc).DayOfWeek);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }
}
