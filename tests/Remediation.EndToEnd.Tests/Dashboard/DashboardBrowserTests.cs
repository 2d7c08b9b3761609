using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Remediation.Lab;

namespace Remediation.EndToEnd.Tests.Dashboard;

/// <summary>The dashboard in a real browser (Debian's Chromium driven by Playwright) over the lab-mode host.</summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    readonly string labDirectory = LabRoot.NewDirectory("dash");
    LabHost host = null!;
    IPlaywright playwright = null!;
    IBrowser browser = null!;

    public async Task InitializeAsync()
    {
        host = await LabHost.StartAsync([], ApprovalLab.Settings(labDirectory));
        playwright = await Playwright.CreateAsync();
        browser = await DebianChromium.LaunchAsync(playwright);
    }

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
        await host.DisposeAsync();
        Directory.Delete(labDirectory, recursive: true);
    }

    [Fact]
    public async Task The_console_runs_under_its_content_security_policy_and_injected_markup_runs_nothing()
    {
        var page = await browser.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };

        await page.GotoAsync(host.Address.ToString());
        // The page's own script and style run under the policy: the grid is drawn and styled, nothing is refused.
        await OpenAsync(page, "MBX1");
        await Assertions.Expect(page.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] .badge")).ToHaveTextAsync("Healthy");
        Assert.NotEqual("rgba(0, 0, 0, 0)", await page.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] .badge").EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor"));
        Assert.Empty(violations);
        // Where the history lives, said: this lab host keeps it in memory, so a restart loses it.
        await Assertions.Expect(page.Locator("#kept")).ToContainTextAsync("History in this host's memory since ");
        await Assertions.Expect(page.Locator("#kept")).ToContainTextAsync("lost when the host restarts");

        // Markup that got past escaping (a run's evidence is text from IMAP servers and Exchange) runs nothing:
        // neither an event handler nor a script element.
        await page.EvaluateAsync("() => document.body.insertAdjacentHTML('beforeend', '<img src=\"data:,x\" onerror=\"window.__owned = 1\">')");
        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.__owned = 2'; document.body.appendChild(s); }");
        await page.WaitForTimeoutAsync(500);

        Assert.Null(await page.EvaluateAsync<int?>("() => window.__owned ?? null"));
        Assert.Equal(2, violations.Count(v => v.Contains("script-src", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_host_that_stops_answering_shows_a_banner_within_5_s_and_turns_every_action_off()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(host.Address.ToString());
        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);
        var approve = page.Locator("#needs button.approve").First;
        await Assertions.Expect(approve).ToBeEnabledAsync(new LocatorAssertionsToBeEnabledOptions { Timeout = 30_000 });

        await host.App.StopAsync();

        var banner = page.Locator("#offline");
        await Assertions.Expect(banner).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 5_000 });
        await Assertions.Expect(banner).ToContainTextAsync("The host does not answer");
        await Assertions.Expect(banner).ToContainTextAsync("Approve, Reject and Cancel are off");
        foreach (var button in await page.Locator("button[data-act]").AllAsync())
        {
            await Assertions.Expect(button).ToBeDisabledAsync();
        }
    }

    [Fact]
    public async Task A_deep_link_opens_a_run_the_list_does_not_hold()
    {
        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);
        using var http = await LabHttp.ClientAsync(host.Address);
        string? runId = null;
        for (var i = 0; i < 150 && runId is null; i++)
        {
            var runs = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<System.Text.Json.JsonElement>>(http, "api/runs?server=MBX1");
            runId = runs!.Select(r => r.GetProperty("runId").GetString()).FirstOrDefault();
            await Task.Delay(200);
        }

        Assert.NotNull(runId);
        var page = await browser.NewPageAsync();
        // The newest page of runs holds other runs only (as for the 150th run of a busy night): the link fetches its run.
        await page.RouteAsync("**/api/runs?top=100*", route => route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "application/json", Body = "[]" }));
        await page.GotoAsync($"{host.Address}#run={runId}");

        await Assertions.Expect(page.Locator($"article.run[data-run='{runId}']")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 10_000 });
        await Assertions.Expect(page.Locator($"article.run[data-run='{runId}']")).ToBeInViewportAsync();
    }

    [Fact]
    public async Task One_time_zone_for_the_whole_page_stated_and_switchable_to_utc()
    {
        // A browser in India (UTC+05:30): the page says so and every time is in it, then in UTC at one click.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { TimezoneId = "Asia/Kolkata" });
        await page.GotoAsync(host.Address.ToString());
        var zone = page.Locator("#tz");
        await Assertions.Expect(zone).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Times: Asia/(Kolkata|Calcutta) · show UTC$"));
        await Assertions.Expect(page.Locator("#updated")).ToContainTextAsync("updated");
        AssertShows(await page.Locator("#updated").TextContentAsync(), TimeSpan.FromMinutes(330));

        await zone.ClickAsync();

        await Assertions.Expect(zone).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Times: UTC · show Asia/(Kolkata|Calcutta)$"));
        await page.WaitForTimeoutAsync(2500);
        AssertShows(await page.Locator("#updated").TextContentAsync(), TimeSpan.Zero);

        static void AssertShows(string? updated, TimeSpan offset)
        {
            var shown = TimeOnly.ParseExact(updated!.Replace("updated ", "", StringComparison.Ordinal), "HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var expected = TimeOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime + offset);
            var apart = Math.Abs((shown.ToTimeSpan() - expected.ToTimeSpan()).TotalMinutes);
            Assert.True(Math.Min(apart, 1440 - apart) < 2, $"{updated}: expected about {expected} (UTC{offset:hh\\:mm})");
        }
    }

    /// <summary>A healthy server is folded (its monitors not drawn): opens it when it is.</summary>
    static async Task OpenAsync(IPage page, string server)
    {
        await page.Locator($"tr.server[data-server='{server}']").WaitForAsync();
        var fold = page.Locator($"button[data-fold='{server}'][aria-expanded='false']");
        if (await fold.CountAsync() > 0)
        {
            await fold.ClickAsync();
        }

        await page.Locator($"tr[data-monitor^='{server}/']").First.WaitForAsync();
    }

    /// <summary>
    /// Two filters picked in a row start two asks; the first one's answer may come last. It is not drawn: the list shows
    /// what the filters now ask for, not what they asked a moment ago (the next poll would have mended it 2 s later).
    /// </summary>
    [Fact]
    public async Task An_answer_to_filters_changed_since_is_not_drawn_over_the_newer_one()
    {
        static string Answer(string runId, Remediation.Runs.RunOutcome outcome) => System.Text.Json.JsonSerializer.Serialize(new[]
        {
            new Remediation.Runs.RunRecord(runId, "i", "MBX1", "IMAP.Protocol", "ImapDeepTestMonitor", TimeProvider.System.GetUtcNow().AddMinutes(-5), TimeProvider.System.GetUtcNow(), outcome, "why", [], [], null),
        }, JsonDefaults.Options);
        var staleSent = new TaskCompletionSource();
        var page = await browser.NewPageAsync();
        await page.RouteAsync(new System.Text.RegularExpressions.Regex(@"/api/runs\?"), async route =>
        {
            var query = new Uri(route.Request.Url).Query;
            if (query.Contains("outcome=Running", StringComparison.Ordinal) || !query.Contains("server=MBX1", StringComparison.Ordinal))
            {
                await route.ContinueAsync();
            }
            else if (query.Contains("outcome=Recovered", StringComparison.Ordinal))
            {
                await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "application/json", Body = Answer("fresh", Remediation.Runs.RunOutcome.Recovered) });
            }
            else
            {
                await Task.Delay(1500); // the answer to the first filter alone, late
                await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "application/json", Body = Answer("stale", Remediation.Runs.RunOutcome.Escalated) });
                staleSent.TrySetResult();
            }
        });
        await page.GotoAsync(host.Address.ToString());

        await page.Locator("#f-server").SelectOptionAsync("MBX1");
        await page.Locator("#f-outcome").SelectOptionAsync("Recovered");
        await Assertions.Expect(page.Locator("#runs .run[data-run='fresh']")).ToHaveCountAsync(1);
        await staleSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await page.WaitForTimeoutAsync(300);

        Assert.Equal(["fresh"], await page.Locator("#runs .run").EvaluateAllAsync<string[]>("runs => runs.map(r => r.dataset.run)"));
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task At_200_servers_the_one_in_trouble_is_on_the_first_screen(int width, int height)
    {
        // 200 servers answered by the page's own API route (the lab has four): EX150's deep test fails, all else is healthy.
        var at = TimeProvider.System.GetUtcNow().AddHours(-2).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        var rows = Enumerable.Range(1, 200).SelectMany(i => new[] { "ImapCTPMonitor", "ImapProxyTestMonitor", "ImapDeepTestMonitor", "ImapSelfTestMonitor" }.Select(m => new
        {
            server = $"EX{i:000}",
            name = m,
            targetResource = "MSExchangeIMAP4",
            healthSetName = m.Contains("Deep", StringComparison.Ordinal) || m.Contains("Self", StringComparison.Ordinal) ? "IMAP.Protocol" : "IMAP",
            alertValue = i == 150 && m == "ImapDeepTestMonitor" ? "Unhealthy" : "Healthy",
            lastTransitionTime = at,
            lastProbeLatencyMs = 40.0,
            lastError = (string?)null,
        }));
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        await page.RouteAsync("**/api/health", route => route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "application/json", Body = System.Text.Json.JsonSerializer.Serialize(rows) }));

        await page.GotoAsync(host.Address.ToString());

        var first = page.Locator("#servers tr.server").First;
        await Assertions.Expect(first).ToHaveAttributeAsync("data-server", "EX150");
        await Assertions.Expect(page.Locator("tr[data-monitor='EX150/ImapDeepTestMonitor']")).ToBeInViewportAsync();
        await Assertions.Expect(page.Locator("#grid-summary")).ToContainTextAsync("1 of 200 servers need attention · 199 healthy");
        await Assertions.Expect(page.Locator("tr[data-monitor='EX001/ImapDeepTestMonitor']")).ToHaveCountAsync(0); // folded: not drawn
        Assert.Equal(200, await page.Locator("#servers tr.server").CountAsync());

        // A folded server opens on request.
        await page.Locator("button[data-fold='EX001']").ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-monitor='EX001/ImapDeepTestMonitor']")).ToBeVisibleAsync();
    }

    /// <summary>
    /// An incident reads from its root cause: MBX1's back end dies, the CAS runs wait on MBX1's run; the grid says
    /// "caused by MBX1" on the CAS servers, the run list puts MBX1's run first with the CAS runs beneath it, each run
    /// one line until opened. A maintenance window shows on the grid with its end and is ended from it: the API no
    /// longer holds it.
    /// </summary>
    [Fact]
    public async Task An_incident_reads_from_its_root_cause_and_maintenance_is_shown_and_ended_from_the_grid()
    {
        using var http = await LabHttp.ClientAsync(host.Address);
        var start = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        using var scheduled = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(http, "api/maintenance", new { server = "MBX2", start, duration = "02:00:00", reason = "memory upgrade" });
        Assert.Equal(System.Net.HttpStatusCode.Created, scheduled.StatusCode);
        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);

        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        await page.GotoAsync(host.Address.ToString());

        // The victims name their cause; the root-cause run comes first, the runs that waited on it beneath.
        await Assertions.Expect(page.Locator("tr.server[data-server='CAS1'] [data-caused-by='MBX1']")).ToHaveTextAsync("caused by MBX1", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        var root = page.Locator("#runs article.run[data-server='MBX1']").First;
        var rootId = await root.GetAttributeAsync("data-run");
        var waiters = page.Locator($"#runs article.run.waiter[data-root='{rootId}']");
        await Assertions.Expect(waiters).Not.ToHaveCountAsync(0);
        var order = await page.Locator("#runs article.run").EvaluateAllAsync<string[]>("runs => runs.map(r => r.dataset.run)");
        Assert.True(Array.IndexOf(order, rootId) < Array.IndexOf(order, await waiters.First.GetAttributeAsync("data-run")), string.Join(", ", order));
        await Assertions.Expect(root.Locator("summary")).ToContainTextAsync("root cause");

        // Maintenance on the grid with its end, ended from it after a confirmation that says what follows.
        var badge = page.Locator("tr.server[data-server='MBX2'] .badge.Maintenance");
        await Assertions.Expect(badge).ToContainTextAsync("maintenance until", new LocatorAssertionsToContainTextOptions { Timeout = 10_000 });
        await page.Locator("tr.server[data-server='MBX2'] button[data-act='end-maintenance']").ClickAsync();
        await Assertions.Expect(page.Locator("dialog#confirm")).ToContainTextAsync("runs on MBX2 may act again");
        await page.Locator("#c-yes").ClickAsync();
        await Assertions.Expect(badge).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 10_000 });
        var windows = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(http, "api/maintenance");
        Assert.Equal(0, windows.GetArrayLength());

        // Once the incident is over every run is one line: the details open on a click.
        var mbx1 = page.Locator($"#runs article.run[data-run='{rootId}']");
        await page.Locator("#needs li[data-needs='approval'] button.approve").First.ClickAsync(new LocatorClickOptions { Timeout = 30_000 });
        await page.Locator("#c-yes").ClickAsync();
        await Assertions.Expect(mbx1).ToHaveAttributeAsync("data-outcome", "Recovered", new LocatorAssertionsToHaveAttributeOptions { Timeout = 30_000 });
        await Assertions.Expect(mbx1.Locator("details")).Not.ToHaveAttributeAsync("open", "");
        await Assertions.Expect(mbx1.Locator("ol")).ToBeHiddenAsync();
        await mbx1.Locator("summary").ClickAsync();
        await Assertions.Expect(mbx1.Locator("ol")).ToBeVisibleAsync();
    }

    /// <summary>
    /// After a rejected run the server is still down and nothing is going: the needs bar says so, when the monitor alerts
    /// again on its own, and "Alert now" (after a confirmation) starts a new run through the alert webhook, recorded as
    /// the console's alert with who sent it.
    /// </summary>
    [Fact]
    public async Task A_server_left_down_says_when_it_alerts_again_and_alert_now_starts_a_new_run()
    {
        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        await page.GotoAsync(host.Address.ToString());
        var ask = page.Locator("#needs li[data-needs='approval']").Filter(new LocatorFilterOptions { HasText = "on MBX1" });
        await ask.Locator("button.reject").ClickAsync(new LocatorClickOptions { Timeout = 30_000 });
        await page.Locator("#c-yes").ClickAsync();

        var idle = page.Locator("#needs li[data-needs='server']").Filter(new LocatorFilterOptions { HasText = "MBX1" });
        await Assertions.Expect(idle).ToContainTextAsync("no run going; alerts again at", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await idle.Locator("button[data-act='realert']").ClickAsync();
        await Assertions.Expect(page.Locator("dialog#confirm")).ToContainTextAsync("goes on the queue now");
        await page.Locator("#c-yes").ClickAsync();

        // A second run on MBX1, opened by the console's alert, asks again.
        await Assertions.Expect(ask).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = 30_000 });
        using var http = await LabHttp.ClientAsync(host.Address);
        var runs = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<System.Text.Json.JsonElement>>(http, "api/runs?server=MBX1");
        Assert.Equal(2, runs!.Count);
        Assert.Equal("Rejected", runs[1].GetProperty("outcome").GetString());
        var alert = runs[0].GetProperty("alerts")[0];
        Assert.Equal("Generic", alert.GetProperty("source").GetString());
        Assert.StartsWith("Alerted again from the console by Lab operator", alert.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Accessibility by axe-core (Deque's engine, the one auditors run; its rules map to WCAG 2.x A/AA), not by our
    /// reading of WCAG: the console with an approval waiting, then with the confirmation open, in both themes and at
    /// desk and phone widths, has no serious or critical violation, and nothing is clipped sideways.
    /// </summary>
    [Fact]
    public async Task Axe_core_finds_no_serious_violation_in_either_theme_and_nothing_is_clipped_at_1280_or_390_px()
    {
        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);
        var found = new List<string>();
        foreach (var (scheme, width, height) in new[] { (ColorScheme.Light, 1280, 800), (ColorScheme.Dark, 1280, 800), (ColorScheme.Light, 390, 844), (ColorScheme.Dark, 390, 844) })
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ColorScheme = scheme, ViewportSize = new ViewportSize { Width = width, Height = height } });
            await page.GotoAsync(host.Address.ToString());
            var approve = page.Locator("#needs button.approve").First;
            await Assertions.Expect(approve).ToBeEnabledAsync(new LocatorAssertionsToBeEnabledOptions { Timeout = 30_000 });
            await page.Locator("button[data-open='MBX1']").ClickAsync();
            await Assertions.Expect(page.Locator("#latency")).ToHaveCountAsync(1);

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName, $"axe-{scheme}-{width}.png"), FullPage = true });
            found.AddRange(Serious(await page.RunAxe(), $"{scheme} {width} px"));
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{scheme} {width} px: the page scrolls sideways by {overflow} px");
            // Nor does any section hide part of itself behind its own scroll bar.
            var hidden = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('main > section:not([hidden])')].filter(s => s.scrollWidth > s.clientWidth + 1).map(s => {
                  const edge = s.getBoundingClientRect().left + s.clientWidth;
                  const past = [...s.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > edge + 1 && e.getClientRects().length);
                  const leaf = past.filter(e => !past.some(o => o !== e && e.contains(o)))[0];
                  return `${s.getAttribute('aria-labelledby')}: ${s.scrollWidth - s.clientWidth} px (${leaf ? leaf.outerHTML.slice(0, 120) : '?'})`;
                })
                """);
            Assert.True(hidden.Length == 0, $"{scheme} {width} px: clipped: {string.Join(", ", hidden)}");

            await approve.ClickAsync();
            await Assertions.Expect(page.Locator("dialog#confirm")).ToBeVisibleAsync();
            found.AddRange(Serious(await page.RunAxe(), $"{scheme} {width} px, confirmation open"));
            await page.Locator("#c-no").ClickAsync();
            await page.CloseAsync();
        }

        Assert.True(found.Count == 0, string.Join("\n", found));

        static IEnumerable<string> Serious(Deque.AxeCore.Commons.AxeResult result, string where) =>
            result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{where}: {v.Id} ({v.Impact}) {v.Help}: {string.Join(" | ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target) + " " + string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))))}");
    }

    [Fact]
    public async Task An_operator_approves_from_a_phone_then_reads_the_night_in_the_console()
    {
        var screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var phone = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true });
        await phone.GotoAsync(host.Address.ToString());
        await OpenAsync(phone, "MBX1");
        await Assertions.Expect(phone.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] .badge")).ToHaveTextAsync("Healthy");

        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);

        // What needs the operator is first on the phone's first screen, and counted in the tab title.
        var ask = phone.Locator("#needs li[data-needs='approval']").First;
        await Assertions.Expect(ask).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(ask).ToContainTextAsync("Approve RestartService on MBX1?");
        await Assertions.Expect(ask).ToContainTextAsync("times out at");
        await Assertions.Expect(ask.Locator("button.approve")).ToBeInViewportAsync();
        await Assertions.Expect(phone).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex(@"^\(1\) approval waiting"));

        // By server, not by text: the CAS run that waits for MBX1's run names MBX1 too.
        var run = phone.Locator(".run.waiting[data-server='MBX1']").First;
        await Assertions.Expect(run).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(run.Locator("li[data-step='1']")).ToContainTextAsync("Re-run probe");
        await Assertions.Expect(run.Locator("li[data-step='1'] .badge")).ToHaveTextAsync("Failed");
        await Assertions.Expect(phone.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] .badge")).ToHaveTextAsync("Repairing");
        // The wait is a span: since when, until when, how far along.
        await Assertions.Expect(run.Locator(".wait")).ToContainTextAsync("Waiting for approval of RestartService since");
        await Assertions.Expect(run.Locator(".wait")).ToContainTextAsync("times out at");

        // On a phone the Approve button is on screen, big enough to touch, and works.
        var approve = run.Locator("button.approve");
        await approve.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(approve).ToBeInViewportAsync();
        var box = (await approve.BoundingBoxAsync())!;
        Assert.True(box.X >= 0 && box.X + box.Width <= 390 && box.Height >= 36, $"Approve at x={box.X} w={box.Width} h={box.Height} on a 390-px screen");
        await phone.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "phone-approval.png") });

        // Refreshes (every 2 s, while the CAS run's waits change its status) never swap the button under a finger.
        var button = await approve.ElementHandleAsync();
        await phone.WaitForTimeoutAsync(4500);
        Assert.True(await button.EvaluateAsync<bool>("b => b.isConnected"), "the Approve button was replaced by a refresh");
        await approve.TapAsync();

        // The decision says what follows before it is sent; declining sends nothing.
        var confirm = phone.Locator("dialog#confirm");
        await Assertions.Expect(confirm).ToBeVisibleAsync();
        await Assertions.Expect(confirm).ToContainTextAsync("MSExchangeIMAP4BE on MBX1 is stopped and started");
        await phone.Locator("#c-no").TapAsync();
        await Assertions.Expect(confirm).ToBeHiddenAsync();
        await phone.WaitForTimeoutAsync(2500);
        await Assertions.Expect(run.Locator("button.approve")).ToBeEnabledAsync();
        await approve.TapAsync();
        await phone.Locator("#c-yes").TapAsync();

        var recovered = phone.Locator(".run[data-server='MBX1'][data-outcome='Recovered']").First;
        await Assertions.Expect(recovered).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(recovered).ToContainTextAsync($"Approved by {Recovery.PlaybookHarness.LabApprover}");
        await Assertions.Expect(recovered.Locator("li").Last).ToContainTextAsync("Re-run probe");
        Assert.True(host.Lab.MailboxServers["MBX1"].IsRunning);

        // The console on a desk: history drawn from the lab's real probes, the run on the latency axis, filters, MTTR,
        // and what would happen if MBX1 failed again now.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, ColorScheme = ColorScheme.Dark });
        await page.GotoAsync(host.Address.ToString());
        await OpenAsync(page, "MBX1");
        var strip = page.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] svg.strip rect[data-availability]:not([data-availability=''])");
        await Assertions.Expect(strip).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = 20_000 });
        var availability = double.Parse((await strip.GetAttributeAsync("data-availability"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(availability, 0.01, 0.999); // MBX1 failed for a while this hour, and passes again
        // The number first, over the hours that hold data (this lab's history is minutes old: 1 of 24 hours, 2 across an hour).
        await Assertions.Expect(page.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] .availability"))
            .ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+(\.\d)?% · [12] of 24 h$"));

        await page.Locator("button[data-open='MBX1']").ClickAsync();
        await Assertions.Expect(page.Locator("#latency polyline[data-probe='ImapDeepTestProbe']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#latency path.failure")).Not.ToHaveCountAsync(0); // the failed probes: crosses in their own lane
        var mark = page.Locator($"#latency .run-mark[data-run='{await recovered.GetAttributeAsync("data-run")}']");
        await Assertions.Expect(mark).ToHaveCountAsync(1);
        await Assertions.Expect(mark.Locator("rect.approval-span")).ToHaveCountAsync(1); // the wait for the approval, drawn on the run
        // Absolute ticks in the page's zone, never "-2 min" twice.
        var ticks = await page.Locator("#latency text.tick").AllTextContentsAsync();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Matches(@"^\d\d:\d\d$", t));
        Assert.Equal(ticks.Count, ticks.Distinct().Count());
        // The crosshair reads each probe's nearest value where the pointer is.
        var chart = (await page.Locator("#latency").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(chart.X + chart.Width - 5, chart.Y + chart.Height / 2);
        await Assertions.Expect(page.Locator("#readout")).ToContainTextAsync("ImapDeepTestProbe");
        await Assertions.Expect(page.Locator("#crosshair")).ToHaveAttributeAsync("visibility", "visible");

        await page.Locator("#f-server").SelectOptionAsync("MBX1");
        await page.Locator("#f-outcome").SelectOptionAsync("Recovered");
        // Until the filtered answer arrives the list is the one before; then only MBX1's recoveries (a one-shot read
        // here raced the answer and failed once in four runs).
        await Assertions.Expect(page.Locator("#runs .run[data-outcome='Recovered'][data-server='MBX1']")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#runs .run:not([data-outcome='Recovered'][data-server='MBX1'])")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#mttr")).ToContainTextAsync("MTTR");
        await page.Locator("#f-outcome").SelectOptionAsync("Cancelled");
        await Assertions.Expect(page.Locator("#runs")).ToHaveTextAsync("No run matches the filters.");

        await page.Locator("#p-monitor").SelectOptionAsync("ImapDeepTestMonitor");
        await page.Locator("#preview").ClickAsync();
        await Assertions.Expect(page.Locator("#plan-steps li").First).ToContainTextAsync("Re-run probe", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#plan")).ToContainTextAsync("Approval for: Restart MSExchangeIMAP4BE");
        await Assertions.Expect(page.Locator("#plan")).ToContainTextAsync("Safety check: Restart MSExchangeIMAP4BE");

        // Probe it now: the engine's own probe against the lab's MBX1, its answer shown.
        await page.Locator("#probe-now").ClickAsync();
        await Assertions.Expect(page.Locator("#probe-result")).ToContainTextAsync("ImapDeepTestProbe on MBX1: ", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#probe-result")).ToContainTextAsync("Succeeded");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "console-dark.png"), FullPage = true });
    }
}
