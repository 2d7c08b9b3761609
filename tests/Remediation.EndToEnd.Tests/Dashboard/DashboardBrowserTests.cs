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
        host = await LabHost.StartAsync([], new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Lab:Directory"] = labDirectory,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Remediation:Probes:Interval"] = "00:00:00.300",
            ["Remediation:Probes:Timeout"] = "00:00:02",
            ["Remediation:Monitors:ConsecutiveFailures"] = "2",
            ["Remediation:Pump:Interval"] = "00:00:00.100",
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "RestartService",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:02:00",
        });
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
    public async Task An_operator_watches_a_run_appear_approves_it_and_sees_it_recover()
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        await page.GotoAsync(host.Address.ToString());
        await Assertions.Expect(page.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] .badge")).ToHaveTextAsync("Healthy");

        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);

        // By server, not by text: the CAS run that waits for MBX1's run names MBX1 too.
        var run = page.Locator(".run.waiting[data-server='MBX1']").First;
        await Assertions.Expect(run).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(run.Locator("li[data-step='1']")).ToContainTextAsync("Re-run probe");
        await Assertions.Expect(run.Locator("li[data-step='1'] .badge")).ToHaveTextAsync("Failed");
        await Assertions.Expect(page.Locator("tr[data-monitor='MBX1/ImapDeepTestMonitor'] .badge")).ToHaveTextAsync("Repairing");

        await run.Locator("button.approve").ClickAsync();

        var recovered = page.Locator(".run[data-server='MBX1'][data-outcome='Recovered']").First;
        await Assertions.Expect(recovered).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(recovered).ToContainTextAsync($"Approved by {Recovery.PlaybookHarness.LabApprover}");
        await Assertions.Expect(recovered.Locator("li").Last).ToContainTextAsync("Re-run probe");
        Assert.True(host.Lab.MailboxServers["MBX1"].IsRunning);

        var screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "dashboard-recovered.png"), FullPage = true });
    }
}
