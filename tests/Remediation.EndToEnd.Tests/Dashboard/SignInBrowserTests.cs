using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Remediation.EndToEnd.Tests.Identity;
using Remediation.Lab;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Dashboard;

/// <summary>
/// The console behind a real OpenID Connect sign-in (npm oidc-provider), in Debian's Chromium: a reader sees a run
/// but cannot approve it; an approver signs in, approves, and the run records that person.
/// </summary>
public sealed class SignInBrowserTests : IAsyncLifetime
{
    readonly string labDirectory = LabRoot.NewDirectory("signin");
    OidcProvider provider = null!;
    LabHost host = null!;
    IPlaywright playwright = null!;
    IBrowser browser = null!;

    public async Task InitializeAsync()
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        provider = await OidcProvider.StartAsync(address);
        var settings = ApprovalLab.Settings(labDirectory, address.ToString());
        foreach (var (key, value) in provider.HostSettings())
        {
            settings[key] = value;
        }

        host = await LabHost.StartAsync([], settings);
        playwright = await Playwright.CreateAsync();
        browser = await DebianChromium.LaunchAsync(playwright);
    }

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
        await host.DisposeAsync();
        await provider.DisposeAsync();
        Directory.Delete(labDirectory, recursive: true);
    }

    async Task<IPage> SignInAsync(string login, string? start = null, Uri? landing = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(host.Address, start ?? "/").ToString());

        // Sent to the provider's sign-in form, then back to the console.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{provider.Issuer.ToString().TrimEnd('/')}/"));
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", "any");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync((landing ?? host.Address).ToString());
        return page;
    }

    [Fact]
    public async Task A_reader_cannot_approve_and_an_approver_who_signed_in_is_recorded_as_the_approver()
    {
        var rita = await SignInAsync("rita");
        await Assertions.Expect(rita.Locator("#who")).ToHaveTextAsync("Rita (reader)");
        var alice = await SignInAsync("alice");
        await Assertions.Expect(alice.Locator("#who")).ToHaveTextAsync("Alice (approver)");

        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);

        var ritasRun = rita.Locator(".run.waiting[data-server='MBX1']").First;
        await Assertions.Expect(ritasRun).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await ritasRun.Locator("button.approve").ClickAsync();
        await rita.Locator("#c-yes").ClickAsync(); // the confirmation, then the server's refusal
        await Assertions.Expect(rita.Locator("#notice")).ToContainTextAsync("needs the approver role");

        var alicesRun = alice.Locator(".run.waiting[data-server='MBX1']").First;
        await Assertions.Expect(alicesRun).ToBeVisibleAsync();
        await alicesRun.Locator("button.approve").ClickAsync();
        await alice.Locator("#c-yes").ClickAsync();

        var recovered = alice.Locator(".run[data-server='MBX1'][data-outcome='Recovered']").First;
        await Assertions.Expect(recovered).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(recovered).ToContainTextAsync("Approved by Alice (alice)");
        var runId = await recovered.GetAttributeAsync("data-run");
        var ledger = await host.App.Services.GetRequiredService<IRunLedger>().GetAsync(runId!, default);
        Assert.Contains(ledger!.Steps, s => s.Answer == "Approved by Alice (alice)");

        var screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "console-signed-in-approved.png"), FullPage = true });
    }

    [Fact]
    public async Task Signing_out_ends_the_providers_session_too_so_the_next_visit_asks_for_a_password()
    {
        var rita = await SignInAsync("rita");
        await Assertions.Expect(rita.Locator("#who")).ToHaveTextAsync("Rita (reader)");

        await rita.Locator("#signout").ClickAsync();

        // The provider's own sign-out (its end-session endpoint), confirmed there, then back to the console, which now
        // has nobody: the provider asks for a login again instead of signing Rita straight back in.
        await Assertions.Expect(rita).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{provider.Issuer.ToString().TrimEnd('/')}/"));
        await rita.Locator("button[name=logout][value=yes]").ClickAsync();
        await Assertions.Expect(rita.Locator("input[name=login]")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });
        Assert.StartsWith(provider.Issuer.ToString().TrimEnd('/'), rita.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_return_url_that_leaves_the_console_after_sign_in_is_replaced_by_the_console_itself()
    {
        // The whole real flow for each: /signin, the provider's form, the callback, and wherever the browser is sent last.
        // A tab or a newline: browsers drop them, and "//evil.example/" is another site.
        string[] leaving = ["/%09/evil.example/", "/%0A/evil.example/", "/%0D%0A/evil.example/", "//evil.example/", "/%5Cevil.example/", "https://evil.example/"];
        foreach (var returnUrl in leaving)
        {
            var page = await SignInAsync("rita", $"/signin?returnUrl={returnUrl}");

            Assert.True(host.Address.Authority == new Uri(page.Url).Authority, $"{returnUrl} sent the browser to {page.Url}");
            await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync("Rita (reader)");
            await page.Context.CloseAsync();
        }

        // A local one is honoured.
        await SignInAsync("rita", "/signin?returnUrl=/%3Fserver%3DMBX1", new Uri(host.Address, "/?server=MBX1"));
    }
}
