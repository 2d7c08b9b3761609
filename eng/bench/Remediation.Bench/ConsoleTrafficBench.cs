using Microsoft.Playwright;
using Remediation.Host;
using Remediation.Lab;

namespace Remediation.Bench;

/// <summary>
/// One open console's traffic: the real page in Debian's Chromium against the real host (lab identity), N servers
/// probed every 20 s (self test and deep test against the tuned lab), nothing failing: every byte the browser
/// downloaded in one minute (bodies as sent, compressed or not, and headers), by route, after the first load.
/// </summary>
internal static class ConsoleTrafficBench
{
    public static async Task RunAsync(List<string[]> rows, string root)
    {
        var watch = TimeSpan.FromSeconds(Size.Of(60, 5));
        await using var lab = await ImapLab.StartAsync(LabDefinition.Minimal with { TunedForLogins = true, ImapsListeners = Size.Of(20, 2) }, Path.Combine(root, "traffic-lab"));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        });
        foreach (var servers in new[] { Size.Of(10, 2), Size.Of(200, 4) })
        {
            var settings = new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                ["Logging:LogLevel:Default"] = "Error",
                ["Remediation:Identity:Mode"] = "Lab",
                ["Remediation:Pump:Enabled"] = "false",
                ["Remediation:Probes:Interval"] = "00:00:20",
                ["Remediation:Probes:MaxConcurrency"] = "10",
            };
            StorageBench.AddMailboxServers(settings, servers, lab);

            await using var host = await RemediationHost.StartAsync([], b => b.Configuration.AddInMemoryCollection(settings));
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
            var counting = false;
            var unknown = 0;
            var byRoute = new Dictionary<string, (int Requests, long Bytes)>();
            var pending = new System.Collections.Concurrent.ConcurrentBag<Task>();
            // Every response, 304s included (requestfinished is not raised for those).
            page.Response += (_, response) =>
            {
                if (!counting)
                {
                    return;
                }

                var request = response.Request;
                pending.Add(Task.Run(async () =>
                {
                    RequestSizesResult sizes;
                    try
                    {
                        sizes = await request.SizesAsync().WaitAsync(TimeSpan.FromSeconds(10));
                    }
                    catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
                    {
                        Interlocked.Increment(ref unknown); // not known: not counted, and said
                        return;
                    }

                    var route = new Uri(request.Url).AbsolutePath;
                    route = route.StartsWith("/api/history/", StringComparison.Ordinal) ? "/api/history/{server}" : route;
                    lock (byRoute)
                    {
                        var (n, bytes) = byRoute.GetValueOrDefault(route);
                        byRoute[route] = (n + 1, bytes + sizes.ResponseBodySize + sizes.ResponseHeadersSize);
                    }
                }));
            };
            await page.GotoAsync(host.Address.ToString());
            await page.WaitForSelectorAsync("#servers tr.server", new PageWaitForSelectorOptions { Timeout = 60_000 });
            await page.WaitForTimeoutAsync(3000); // the first load (page, strips, summary) is not the steady state
            counting = true;
            await page.WaitForTimeoutAsync((float)watch.TotalMilliseconds);
            counting = false;
            await Task.WhenAll(pending);
            await page.CloseAsync();
            var total = byRoute.Values.Sum(v => v.Bytes) / 1024.0 * (60 / watch.TotalSeconds);
            rows.Add(["console traffic", $"{servers} servers probed every 20 s, one console open and idle: downloaded per minute", $"{total:0} KiB ({byRoute.Values.Sum(v => v.Requests)} requests{(unknown > 0 ? $", {unknown} of unknown size" : "")})", "100 KiB (issue #30)", $"{total / 100:0.00}"]);
            rows.Add(["console traffic", $"{servers} servers: by route (KiB)", string.Join(", ", byRoute.OrderByDescending(r => r.Value.Bytes).Select(r => $"{r.Key} {r.Value.Bytes / 1024.0 * (60 / watch.TotalSeconds):0.0} in {r.Value.Requests}")), "", ""]);
        }
    }
}
