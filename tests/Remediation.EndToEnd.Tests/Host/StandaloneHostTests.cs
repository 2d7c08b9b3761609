using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Remediation.EndToEnd.Tests.Recovery;
using Remediation.Lab;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Host;

/// <summary>The README's main job, as a user runs it: the host in lab mode, a back end killed by its PID.</summary>
public sealed class StandaloneHostTests : IAsyncLifetime
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    readonly string labDirectory = LabRoot.NewDirectory("host");
    LabHost host = null!;

    public async Task InitializeAsync() => host = await LabHost.StartAsync([], new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Lab:Directory"] = labDirectory,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Remediation:Probes:Interval"] = "00:00:00.200",
        ["Remediation:Probes:Timeout"] = "00:00:02",
        ["Remediation:Monitors:ConsecutiveFailures"] = "2",
        ["Remediation:Pump:Interval"] = "00:00:00.100",
    });

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(labDirectory, recursive: true);
    }

    [Fact]
    public async Task Killing_a_back_end_by_its_pid_produces_a_run_whose_steps_show_the_failed_re_probe()
    {
        using var http = await LabHttp.ClientAsync(host.Address);
        Assert.Empty((await http.GetFromJsonAsync<List<RunRecord>>("api/runs", Json))!);
        var pid = host.Lab.MailboxServers["MBX1"].Pid!.Value;

        using (var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var run = await WaitForEndedRunAsync(http, "MBX1", TimeSpan.FromSeconds(30));
        Assert.Equal(("MBX1", "IMAP.Protocol"), (run.Server, run.HealthSet));
        Assert.Contains(run.Monitor, new[] { "ImapSelfTestMonitor", "ImapDeepTestMonitor" });
        var reprobe = run.Steps[0];
        // What must hold is "the failure was seen", not how fast: a Dovecot shutting down after SIGTERM may refuse the
        // connection, accept and drop it, or accept and say nothing until the probe's timeout (TimedOut, seen on a
        // fresh machine) depending on how far its shutdown got.
        Assert.Equal("Re-run probe", reprobe.Name);
        Assert.Contains(reprobe.Outcome, new[] { StepOutcome.Failed, StepOutcome.TimedOut });
        Assert.Matches("(Failed|TimedOut) at (Connect|Tls|Greeting)", reprobe.Answer);
        // MBX1's own probe alert; CAS1's run, failing because of MBX1, may have started or joined this run too ("Run").
        Assert.Contains(run.Alerts, a => a.Source == "Probe");
        Assert.All(run.Alerts, a => Assert.Contains(a.Source, new[] { "Probe", "Run" }));

        // Lab mode runs the lab agent: playbook 3.1 restarts the back end through it, and the probe passes again.
        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(["Re-run probe", "Confirm with Exchange", "Safety check: Restart MSExchangeIMAP4BE", "Restart MSExchangeIMAP4BE", "Re-run probe"], run.Steps.Select(s => s.Name));
        Assert.True(host.Lab.MailboxServers["MBX1"].IsRunning);
        Assert.NotEqual(pid, host.Lab.MailboxServers["MBX1"].Pid);

        var byId = await http.GetFromJsonAsync<RunRecord>($"api/runs/{run.RunId}", Json);
        Assert.Equal(run.RunId, byId!.RunId);
        Assert.Equal(5, byId.Steps.Count);
    }

    [Fact]
    public async Task The_dashboard_cannot_be_framed_by_another_site()
    {
        using var http = await LabHttp.ClientAsync(host.Address);

        using var page = await http.GetAsync(new Uri("/", UriKind.Relative));

        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Matches("^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}='; ", policy);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-store", page.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task Unknown_runs_and_bad_queries_get_problem_details()
    {
        using var http = await LabHttp.ClientAsync(host.Address);

        using var missing = await http.GetAsync(new Uri("api/runs/nope", UriKind.Relative));
        using var badTop = await http.GetAsync(new Uri("api/runs?top=0", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        Assert.Contains("No run 'nope'", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badTop.StatusCode);
        Assert.Contains("top must be between 1 and 1000", await badTop.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The first run of <paramref name="server"/> that has ended, read through the run API as the console reads it.</summary>
    internal static async Task<RunRecord> WaitForEndedRunAsync(HttpClient http, string server, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < within)
        {
            var runs = await http.GetFromJsonAsync<List<RunRecord>>($"api/runs?server={server}", Json);
            if (runs!.FirstOrDefault(r => r.Outcome != RunOutcome.Running) is { } run)
            {
                return run;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No run for {server} ended within {within}.");
    }
}
