using System.Net;
using System.Net.Http.Json;
using Remediation.Exchange;
using Remediation.Host;
using Remediation.Imap;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>
/// GET /api/plan/{server}: what a run would do now, computed by the engine (the playbook's own code, the real safety
/// gate) without acting; checked against the run that follows, and against the agent's audit.
/// </summary>
[Collection(nameof(OrganisationCollection))]
public sealed class PlanPreviewTests(OrganisationFixture org) : IAsyncLifetime
{
    static readonly Alerts.Alert DeepTest = PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor");

    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    static async Task<PlanPreview> PreviewAsync(RemediationHost host, string server, string monitor)
    {
        using var http = await LabHttp.ClientAsync(host.Address);
        using var response = await http.GetAsync($"api/plan/{server}?monitor={monitor}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<PlanPreview>(JsonDefaults.Options))!;
    }

    static async Task<int> AuditCountAsync(RemediationHost host) => (await host.Get<AgentConnection>().Client().GetAuditAsync(10_000, default)).Count(e => e.Method == "POST");

    [Fact]
    public async Task The_preview_and_the_run_that_follows_agree_step_for_step_and_the_preview_touches_nothing()
    {
        // A back end that never answers: every remedy fails, so the run takes the whole playbook (the preview's path).
        using var hole = new TcpTroublemaker(reset: false);
        org.Organisation.SetHealthProbesFailing("MBX1", true); // Exchange's own probe sees the hung back end too
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Topology:Servers:0:BackEnd:Port"] = hole.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Remediation:Probes:Timeout"] = "00:00:01",
            ["Remediation:Throttles:ServerRestart:ServerMaxPerDay"] = "1",
        });
        var actionsBefore = await AuditCountAsync(host);

        var preview = await PreviewAsync(host, "MBX1", "ImapDeepTestMonitor");
        var again = await PreviewAsync(host, "MBX1", "ImapDeepTestMonitor");

        // Nothing done: no agent action, no run in the ledger, no throttle slot (a second preview is still allowed).
        Assert.Equal(actionsBefore, await AuditCountAsync(host));
        Assert.Empty(await host.Get<IRunLedger>().ListAsync(new RunFilter("MBX1"), 10, default));
        Assert.Equal(preview.Steps.Select(s => (s.Name, s.Outcome)), again.Steps.Select(s => (s.Name, s.Outcome)));
        Assert.Equal(RunOutcome.Escalated, preview.Outcome);
        Assert.All(preview.Steps.Where(s => s.Name.StartsWith("Safety check", StringComparison.Ordinal)), s => Assert.Equal(StepOutcome.Allowed, s.Outcome));
        // Every gate's answer, not only the throttle: which copies take the load when MBX1 is drained (the lab's DAG:
        // MBX2 holds the other copy), and the maintenance checks that passed.
        var failover = preview.Steps.Single(s => s.Name == "Safety check: Fail databases over").Answer!;
        Assert.Contains("Checked: no maintenance window open; not in Exchange's maintenance mode (Get-ServerComponentState); blast radius: the copies that take the load: DB1 on MBX2", failover, StringComparison.Ordinal);
        Assert.All(preview.Steps.Where(s => !s.Name.StartsWith("Safety check", StringComparison.Ordinal)), s => Assert.Equal(StepOutcome.DryRun, s.Outcome));

        var run = await host.RunAsync(DeepTest);

        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal(preview.Steps.Select(s => s.Name), run.Steps.OrderBy(s => s.Sequence).Select(s => s.Name));
        Assert.Equal(
            preview.Steps.Where(s => s.Name.StartsWith("Safety check", StringComparison.Ordinal)).Select(s => s.Outcome),
            run.Steps.OrderBy(s => s.Sequence).Where(s => s.Name.StartsWith("Safety check", StringComparison.Ordinal)).Select(s => s.Outcome));
        Assert.NotEqual(actionsBefore, await AuditCountAsync(host));
    }

    [Fact]
    public async Task A_preview_shows_which_gate_would_stop_the_run_and_why()
    {
        await using var host = await org.StartHostAsync();
        using var window = await host.PostAsync("api/maintenance", new Dictionary<string, object>
        {
            ["server"] = "MBX1",
            ["start"] = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            ["duration"] = "01:00:00",
            ["reason"] = "CU15 upgrade",
        });
        Assert.Equal(HttpStatusCode.Created, window.StatusCode);

        var preview = await PreviewAsync(host, "MBX1", "ImapDeepTestMonitor");

        // The maintenance window refuses the first disruptive step: the run would stop there, Rejected, having done nothing.
        Assert.Equal(RunOutcome.Rejected, preview.Outcome);
        Assert.Equal(["Re-run probe", "Confirm with Exchange", "Safety check: Restart MSExchangeIMAP4BE"], preview.Steps.Select(s => s.Name));
        Assert.Equal(StepOutcome.Rejected, preview.Steps[^1].Outcome);
        Assert.Contains("CU15 upgrade", preview.Steps[^1].Answer, StringComparison.Ordinal);
        Assert.Contains("CU15 upgrade", preview.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_third_preview_while_two_are_computed_is_refused_not_queued()
    {
        // Reading the database copies (the blast-radius check ahead of a server restart) takes 3 s on every server.
        await using var host = await org.StartHostAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.GetDatabaseCopyStatus, null, Lab.Agent.FaultMode.Slow, null, TimeSpan.FromSeconds(3)));
        using var http = await LabHttp.ClientAsync(host.Address);

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => http.GetAsync("api/plan/MBX1?monitor=ImapDeepTestMonitor")));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.StatusCode).Order());
        Assert.Contains("try again", await answers.Single(a => a.StatusCode == HttpStatusCode.TooManyRequests).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Fact]
    public async Task An_unknown_server_or_monitor_is_named_in_the_error()
    {
        await using var host = await org.StartHostAsync();
        using var http = await LabHttp.ClientAsync(host.Address);

        using var server = await http.GetAsync("api/plan/EXMBX-GHOST?monitor=ImapDeepTestMonitor");
        using var monitor = await http.GetAsync("api/plan/MBX1?monitor=NoSuchMonitor");

        Assert.Equal(HttpStatusCode.NotFound, server.StatusCode);
        Assert.Contains("EXMBX-GHOST", await server.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, monitor.StatusCode);
        Assert.Contains("NoSuchMonitor", await monitor.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
