using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Remediation.History;
using Remediation.Imap;
using Remediation.Probes;

namespace Remediation.Bench;

/// <summary>
/// The console at scale: 200 servers x 4 probes, one result a minute for 30 days (34.6 M results) kept by
/// <see cref="ProbeHistory"/>; the memory it holds, the health grid's payload (GET /api/history) and one server's detail
/// (GET /api/history/{server}), and the page drawing the grid in Debian's Chromium from those payloads.
/// </summary>
internal static class ConsoleBench
{
    sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    public static async Task RunAsync(List<string[]> rows)
    {
        var Servers = Size.Of(200, 10);
        var days = Size.Of(30, 1);
        string[] probes = [ImapHealthModel.CtpProbe, ImapHealthModel.ProxyTestProbe, ImapHealthModel.DeepTestProbe, ImapHealthModel.SelfTestProbe];
        var start = new DateTimeOffset(2026, 10, 29, 0, 0, 0, TimeSpan.Zero);
        var time = new ManualTime(start);
        var history = new ProbeHistory(time, new Fixed<HistoryOptions>(new HistoryOptions()));
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var random = new Random(7);
        var fill = Stopwatch.StartNew();
        long results = 0;
        for (var minute = 0; minute < days * 24 * 60; minute++)
        {
            time.Now = start.AddMinutes(minute);
            for (var s = 0; s < Servers; s++)
            {
                foreach (var probe in probes)
                {
                    var ok = random.NextDouble() > 0.01;
                    history.Record(new ProbeResult($"EXSRV{s:000}", probe, "IMAP", "h:993", time.Now, 40 + random.NextDouble() * 60, ok ? ProbeOutcome.Succeeded : ProbeOutcome.Failed, ok ? null : ProbePhase.Auth, null, ok ? null : "NO", null, new Dictionary<ProbePhase, double>(), null));
                    results++;
                }
            }
        }

        fill.Stop();
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;
        rows.Add(["console: history memory", $"{results / 1e6:0.0} M results ({Servers} servers x 4 probes, 1/min, {days} days)", $"{held / 1048576.0:0} MiB", $"raw: {results * 48 / 1048576.0:0} MiB at 48 B a result", $"{held / (results * 48.0):0.000}"]);
        rows.Add(["console: recording", "ProbeHistory.Record, one thread", $"{results / fill.Elapsed.TotalSeconds / 1e6:0.0} M/s", "1 probe round of 800 a minute", $"{results / fill.Elapsed.TotalSeconds / (800 / 60.0):0}x"]);

        // The API's own JSON shape (web naming, enums as names: RemediationEngineExtensions). The benchmark once used
        // the bare web defaults, which write enums as numbers: the page ranked every monitor as unknown and folded none.
        var json = JsonDefaults.Options;
        var gridTimer = Stopwatch.StartNew();
        var strips = history.Strips(time.Now.AddHours(-24), time.Now, 24);
        gridTimer.Stop();
        var grid = JsonSerializer.Serialize(strips, json);
        rows.Add(["console: health grid payload", "GET /api/history (24 h, 24 slots, every series)", $"{grid.Length / 1024.0:0} KiB in {gridTimer.Elapsed.TotalMilliseconds:0} ms", "refreshed every 60 s", "-"]);
        var detailTimer = Stopwatch.StartNew();
        var detail = JsonSerializer.Serialize(history.Query("EXSRV000", time.Now.AddHours(-24), time.Now), json);
        detailTimer.Stop();
        rows.Add(["console: server detail payload", "GET /api/history/{server} (24 h of 4 probes)", $"{detail.Length / 1024.0:0} KiB in {detailTimer.Elapsed.TotalMilliseconds:0} ms", "on opening a server", "-"]);

        // The page itself, drawing the grid for 200 servers from those payloads (the API answered by the browser's router).
        var monitors = Enumerable.Range(0, Servers).SelectMany(s => ImapHealthModel.Monitors.Select(m => new ServerHealthRow($"EXSRV{s:000}", m.Name, m.TargetResource, m.HealthSet, HealthState.Healthy, time.Now.AddHours(-3), 50, null))).ToList();
        var health = JsonSerializer.Serialize(monitors, json);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        await page.RouteAsync("http://console.test/**", async route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            var body = path switch
            {
                "/" => Dashboard.DashboardPage.Html(),
                "/api/health" => health,
                "/api/history" => grid,
                "/api/runs" => "[]",
                "/api/antiforgery" => """{"token":"t","headerName":"X-T","signedInAs":{"name":"Bench","roles":["reader"]}}""",
                _ => "[]",
            };
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = path == "/" ? "text/html" : "application/json", Body = body });
        });
        // Drawn: the last server's row is on the page with its strip cells (healthy servers are folded: their monitor
        // rows appear when opened), and the first server opened shows its monitors' strips.
        var render = Stopwatch.StartNew();
        await page.GotoAsync("http://console.test/");
        await page.Locator($"tr.server[data-server='EXSRV{Servers - 1:000}']").WaitForAsync();
        render.Stop();
        var open = Stopwatch.StartNew();
        await page.Locator("button[data-fold='EXSRV000']").ClickAsync();
        await page.Locator("tr[data-monitor='EXSRV000/ImapSelfTestMonitor'] svg.strip").WaitForAsync();
        open.Stop();
        var redraw = await page.EvaluateAsync<double>("() => { const t = performance.now(); renderHealth(); return performance.now() - t; }");
        var cells = await page.Locator("svg.strip rect").CountAsync();
        rows.Add(["console: first draw", $"{Servers} servers, {monitors.Count} monitors (all Healthy: folded), Chromium", $"{render.Elapsed.TotalMilliseconds:0} ms", "page load to the last server drawn", "1 s (issue #30)"]);
        rows.Add(["console: open a folded server", $"its monitors and strips ({cells} strip cells on the page after)", $"{open.Elapsed.TotalMilliseconds:0} ms", "click to its strips drawn", "-"]);
        rows.Add(["console: redraw", "renderHealth() on each 2-s refresh", $"{redraw:0} ms", "2000 ms refresh period", $"{redraw / 2000:0.000}"]);
    }
}
