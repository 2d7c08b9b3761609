using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Host;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Probes;

namespace Remediation.EndToEnd.Tests.Host;

/// <summary>GET /api/health (Get-ServerHealth) and POST /api/probes (Invoke-MonitoringProbe) over real HTTP.</summary>
public sealed class HealthApiTests(LabFixture fixture) : IClassFixture<LabFixture>, IAsyncLifetime
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    RemediationHost host = null!;
    HttpClient http = null!;

    public async Task InitializeAsync()
    {
        await fixture.HealAsync();
        host = await HostFactory.StartAsync(fixture.Lab, new Dictionary<string, string?> { ["Remediation:Monitors:ConsecutiveFailures"] = "1" });
        http = await LabHttp.ClientAsync(host.Address);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await host.DisposeAsync();
        await fixture.HealAsync();
    }

    [Fact]
    public async Task A_console_polling_between_probe_rounds_gets_304_and_no_body_until_health_changes()
    {
        await host.App.Services.GetRequiredService<ProbeCycle>().RunAsync(default);
        using var first = await http.GetAsync(new Uri("api/health", UriKind.Relative));
        var tag = first.Headers.ETag!;

        using var poll = new HttpRequestMessage(HttpMethod.Get, "api/health");
        poll.Headers.IfNoneMatch.Add(tag);
        using var unchanged = await http.SendAsync(poll);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());

        // A probe round that changes a monitor changes the answer: 200 with a new tag.
        await fixture.Mbx1.StopAsync();
        await host.App.Services.GetRequiredService<ProbeCycle>().RunAsync(default);
        using var again = new HttpRequestMessage(HttpMethod.Get, "api/health");
        again.Headers.IfNoneMatch.Add(tag);
        using var changed = await http.SendAsync(again);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(tag, changed.Headers.ETag);
        var down = (await changed.Content.ReadFromJsonAsync<List<ServerHealthRow>>(Json))!.Where(r => r.Server == "MBX1" && r.AlertValue == HealthState.Unhealthy).ToList();
        Assert.NotEmpty(down);
        // Down since the failed probe started (not when the monitor changed state after it).
        Assert.All(down, r => Assert.True(r.DownSince is { } since && since <= r.LastTransitionTime, $"{r.Name}: down since {r.DownSince}, changed at {r.LastTransitionTime}"));
    }

    /// <summary>
    /// What the console polls is small: a server's history answers 304 while no probe round changed it, and the API's
    /// JSON is compressed (Brotli) for a browser that accepts it, except the anti-forgery answer, the one body with a
    /// secret in it (BREACH).
    /// </summary>
    [Fact]
    public async Task A_server_history_answers_304_when_unchanged_and_the_api_compresses_all_but_the_antiforgery_answer()
    {
        await host.App.Services.GetRequiredService<ProbeCycle>().RunAsync(default);
        using var first = await http.GetAsync(new Uri("api/history/MBX1", UriKind.Relative));
        using var again = new HttpRequestMessage(HttpMethod.Get, "api/history/MBX1");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var unchanged = await http.SendAsync(again);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotModified), (first.StatusCode, unchanged.StatusCode));
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());

        async Task<(string? Encoding, byte[] Body)> AskAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return (response.Content.Headers.ContentEncoding.SingleOrDefault(), await response.Content.ReadAsByteArrayAsync());
        }

        var (healthEncoding, compressed) = await AskAsync("api/health");
        using var plain = await http.GetAsync(new Uri("api/health", UriKind.Relative));
        var json = await plain.Content.ReadAsByteArrayAsync();
        Assert.Equal("br", healthEncoding);
        using (var brotli = new System.IO.Compression.BrotliStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress))
        using (var read = new MemoryStream())
        {
            await brotli.CopyToAsync(read);
            Assert.Equal(json, read.ToArray());
        }

        Assert.Null((await AskAsync("api/antiforgery")).Encoding);
    }

    /// <summary>
    /// "Down since" is the first failed probe as probe history recorded it, not the probe that made the monitor
    /// Unhealthy (two failures needed here), and the alert the monitor raises carries it into the run, whose MTTR
    /// counts from it.
    /// </summary>
    [Fact]
    public async Task Down_since_is_the_first_failed_probe_and_the_run_counts_from_it()
    {
        await using var twice = await HostFactory.StartAsync(fixture.Lab, new Dictionary<string, string?> { ["Remediation:Monitors:ConsecutiveFailures"] = "2" });
        using var client = await LabHttp.ClientAsync(twice.Address);
        await fixture.Mbx1.StopAsync();
        var cycle = twice.App.Services.GetRequiredService<ProbeCycle>();
        await cycle.RunAsync(default);
        await cycle.RunAsync(default);

        var rows = (await client.GetFromJsonAsync<List<ServerHealthRow>>("api/health/MBX1", Json))!;
        var deep = rows.Single(r => r.Name == "ImapDeepTestMonitor");
        var history = await client.GetFromJsonAsync<List<ProbeSeriesView>>("api/history/MBX1", Json);
        var failures = history!.Single(s => s.Probe == "ImapDeepTestProbe").Points.Where(p => !p.Succeeded).Select(p => p.At).Order().ToList();

        Assert.Equal(HealthState.Unhealthy, deep.AlertValue);
        Assert.Equal(2, failures.Count);
        Assert.Equal(failures[0], deep.DownSince);
        Assert.True(deep.LastTransitionTime > failures[0], "the monitor changed state at the second failure, after the first");

        // The alerts the two monitors raised (the pump is off here: read from the queue), each carrying its first failure.
        var queued = await twice.App.Services.GetRequiredService<Remediation.Alerts.IAlertQueue>().ReceiveAsync(10, TimeSpan.FromSeconds(5), default);
        var alerts = queued.Select(q => q.Alert!).Where(a => a.Server == "MBX1").ToList();
        Assert.Equal(["ImapDeepTestMonitor", "ImapSelfTestMonitor"], alerts.Select(a => a.Monitor).Order());
        Assert.All(alerts, a => Assert.Equal(rows.Single(r => r.Name == a.Monitor).DownSince, a.FailingSince));
        Assert.All(alerts, a => Assert.True(a.FailingSince < a.RaisedAt, $"{a.Monitor}: failing since {a.FailingSince:O}, raised {a.RaisedAt:O}"));

        // A run opened by the deep test's alert counts from that first failure.
        var run = new Remediation.Runs.RunRecord("r1", "i1", "MBX1", "IMAP.Protocol", "ImapDeepTestMonitor", TimeProvider.System.GetUtcNow(), null, Remediation.Runs.RunOutcome.Running, null, [], [alerts.Single(a => a.Monitor == "ImapDeepTestMonitor")]);
        Assert.Equal(failures[0], run.FailingSince);
    }

    sealed record ProbeSeriesView(string Probe, List<ProbePointView> Points);

    sealed record ProbePointView(DateTimeOffset At, bool Succeeded);

    [Fact]
    public async Task Health_rows_are_shaped_like_get_server_health_and_filter_with_wildcards()
    {
        await fixture.Mbx1.StopAsync();
        await host.App.Services.GetRequiredService<ProbeCycle>().RunAsync(default);

        var all = await http.GetFromJsonAsync<List<ServerHealthRow>>("api/health", Json);
        var protocol = await http.GetFromJsonAsync<List<ServerHealthRow>>("api/health/mbx1?healthSet=IMAP.Pro*", Json);
        var imapOnly = await http.GetFromJsonAsync<List<ServerHealthRow>>("api/health?healthSet=IMAP", Json);

        Assert.Equal(5, all!.Count); // MBX1: deep and self test; CAS1: CTP, proxy test and self test
        Assert.Equal(["ImapDeepTestMonitor", "ImapSelfTestMonitor"], protocol!.Select(r => r.Name));
        Assert.All(protocol!, r => Assert.Equal((HealthState.Unhealthy, "MSExchangeIMAP4BE"), (r.AlertValue, r.TargetResource)));
        Assert.Equal(("CAS1", "ImapCTPMonitor"), (Assert.Single(imapOnly!).Server, imapOnly![0].Name));
    }

    [Fact]
    public async Task Probe_history_keeps_what_real_probes_measured_and_when_they_failed()
    {
        var cycle = host.App.Services.GetRequiredService<ProbeCycle>();
        await cycle.RunAsync(ProbeKinds.SelfTest, default);
        await fixture.Mbx1.StopAsync();
        await cycle.RunAsync(ProbeKinds.SelfTest, default);

        var series = await http.GetFromJsonAsync<List<History.ProbeSeries>>("api/history/mbx1?probe=ImapSelfTestProbe", Json);
        using var unknown = await http.GetAsync(new Uri("api/history/NOPE", UriKind.Relative));
        using var backwards = await http.GetAsync(new Uri("api/history/MBX1?from=2026-11-28T10:00:00Z&to=2026-11-27T10:00:00Z", UriKind.Relative));

        var selfTest = Assert.Single(series!);
        Assert.Equal(2, selfTest.Points.Count);
        Assert.Equal((true, false), (selfTest.Points[0].Succeeded, selfTest.Points[1].Succeeded));
        Assert.True(selfTest.Points[0].LatencyMs > 0);
        Assert.Equal("Connect", selfTest.Points[1].FailedPhase);
        Assert.Equal(0.5, selfTest.Availability);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.BadRequest), (unknown.StatusCode, backwards.StatusCode));
    }

    [Fact]
    public async Task Bad_health_queries_name_what_is_wrong()
    {
        using var unknown = await http.GetAsync(new Uri("api/health/NOPE", UriKind.Relative));
        using var badFilter = await http.GetAsync(new Uri("api/health?healthSet=IMAP%3Brm", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Server 'NOPE' is not in the configured topology.", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.Contains("healthSet 'IMAP;rm' is not a health-set name or pattern", await badFilter.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_runs_on_demand_and_returns_its_result()
    {
        using var response = await http.PostAsync(new Uri(@"api/probes/CAS1/IMAP/ImapCTPProbe", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<ProbeResult>(Json);
        Assert.True(result!.Succeeded, result.Summary);
        Assert.Equal(("CAS1", "ImapCTPProbe"), (result.Server, result.Probe));
    }

    [Theory]
    [InlineData("api/probes/CAS1/IMAP.Proxy/ImapCTPProbe", HttpStatusCode.BadRequest, "ImapCTPProbe belongs to health set IMAP, not 'IMAP.Proxy'.")]
    [InlineData("api/probes/CAS1/IMAP/NoSuchProbe", HttpStatusCode.BadRequest, "'NoSuchProbe' is not an IMAP probe")]
    [InlineData("api/probes/CAS1/IMAP.Protocol/ImapDeepTestProbe", HttpStatusCode.BadRequest, "Probe 'ImapDeepTestProbe' does not apply to server 'CAS1'")]
    [InlineData("api/probes/GHOST/IMAP/ImapCTPProbe", HttpStatusCode.NotFound, "Server 'GHOST' is not in the configured topology.")]
    public async Task Bad_probe_requests_are_refused_with_the_reason(string path, HttpStatusCode status, string reason)
    {
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), null);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
