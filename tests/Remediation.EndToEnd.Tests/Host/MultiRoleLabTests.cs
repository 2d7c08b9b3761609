using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Remediation.EndToEnd.Tests.Recovery;
using Remediation.Imap;
using Remediation.Lab;
using Remediation.Lab.Agent;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Host;

/// <summary>
/// Exchange 2016 and later as most organisations run it: every server holds both roles, its MSExchangeIMAP4 proxy and
/// its MSExchangeIMAP4BE back end under one name (<c>Lab:Organisation=MultiRole</c>, as <c>bash eng/run-lab.sh
/// --Lab:Organisation=MultiRole</c> starts it). One server is probed on both ends, and a run restarts the end that broke.
/// </summary>
public sealed class MultiRoleLabTests : IAsyncLifetime
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    readonly string labDirectory = LabRoot.NewDirectory("multi");
    LabHost host = null!;

    public async Task InitializeAsync() => host = await LabHost.StartAsync([], new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:0",
        [LabMode.OrganisationKey] = "MultiRole",
        ["Lab:Directory"] = labDirectory,
        ["Logging:LogLevel:Default"] = "Warning",
        // The tests drive the probe rounds (a background round would start a run in the middle of the first test).
        ["Remediation:Probes:Interval"] = "01:00:00",
        ["Remediation:Probes:Timeout"] = "00:00:03",
        ["Remediation:Monitors:ConsecutiveFailures"] = "2",
        ["Remediation:Pump:Interval"] = "00:00:00.100",
    });

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(labDirectory, recursive: true);
    }

    LabOrganisation Organisation => host.Agent.Services.GetRequiredService<LabOrganisation>();

    [Fact]
    public async Task A_multi_role_server_is_probed_on_both_ends_and_each_end_fails_on_its_own()
    {
        var ex1 = host.Host.Get<Microsoft.Extensions.Options.IOptionsMonitor<Remediation.Topology.TopologyOptions>>().CurrentValue.Servers.Single(s => s.Name == "EX1");
        Assert.Equal(Remediation.Topology.ServerRole.Both, ex1.Role);
        Assert.Equal(host.Lab.ClientAccessServers["EX1"].ImapsPort, ex1.FrontEnd!.Port);
        Assert.Equal(host.Lab.MailboxServers["EX1"].ImapsPort, ex1.BackEnd!.Port);

        var healthy = await ProbesOfAsync("EX1");
        Assert.Equal(
            [ImapHealthModel.CtpProbe, ImapHealthModel.DeepTestProbe, ImapHealthModel.ProxyTestProbe, ImapHealthModel.SelfTestProbe],
            healthy.Select(r => r.Probe).Order(StringComparer.Ordinal));
        Assert.All(healthy, r => Assert.True(r.Succeeded, r.Summary));
        var frontEndPort = $":{ex1.FrontEnd.Port}";
        var backEndPort = $":{ex1.BackEnd.Port}";
        Assert.All(healthy.Where(r => r.Probe is ImapHealthModel.CtpProbe or ImapHealthModel.ProxyTestProbe), r => Assert.EndsWith(frontEndPort, r.Endpoint, StringComparison.Ordinal));
        Assert.All(healthy.Where(r => r.Probe is ImapHealthModel.DeepTestProbe or ImapHealthModel.SelfTestProbe), r => Assert.EndsWith(backEndPort, r.Endpoint, StringComparison.Ordinal));

        // Only the front end goes down (the lab API picks the service): the probes through it fail, the back end's pass.
        using var http = await LabHttp.ClientAsync(host.Address);
        using (var stop = await http.PostAsync(new Uri("lab/servers/EX1/stop?service=MSExchangeIMAP4", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
            var stopped = Assert.Single((await stop.Content.ReadFromJsonAsync<List<LabMode.LabProcess>>(Json))!);
            Assert.Equal(("EX1", ImapServices.FrontEnd, false), (stopped.Server, stopped.Service, stopped.Running));
        }

        var frontEndDown = (await ProbesOfAsync("EX1")).ToDictionary(r => r.Probe);
        Assert.False(frontEndDown[ImapHealthModel.CtpProbe].Succeeded);
        Assert.False(frontEndDown[ImapHealthModel.ProxyTestProbe].Succeeded);
        Assert.True(frontEndDown[ImapHealthModel.DeepTestProbe].Succeeded, frontEndDown[ImapHealthModel.DeepTestProbe].Summary);
        Assert.True(frontEndDown[ImapHealthModel.SelfTestProbe].Succeeded, frontEndDown[ImapHealthModel.SelfTestProbe].Summary);

        // Win32_Service, as the agent reads it: one server, two services, each in its own state.
        var state = Organisation.State("EX1");
        Assert.Equal("Stopped", state.Services[ImapServices.FrontEnd]);
        Assert.Equal("Running", state.Services[ImapServices.BackEnd]);

        // The lab's TLS key is its own account's alone (no CA key is ever written).
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(host.Lab.Certificate.ServerKeyPath));
        }

        Assert.Equal(["ca.pem", "cert.pem", "key.pem"], Directory.GetFiles(Path.GetDirectoryName(host.Lab.Certificate.ServerKeyPath)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        using var unknown = await http.PostAsync(new Uri("lab/servers/EX1/stop?service=W3SVC", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("No lab server 'EX1' running W3SVC", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_on_a_multi_role_server_restarts_the_front_end_that_broke_and_leaves_its_back_end_alone()
    {
        var backEndPid = host.Lab.MailboxServers["EX1"].Pid;
        var frontEnd = host.Lab.ClientAccessServers["EX1"];
        var frontEndPid = frontEnd.Pid;

        using var http = await LabHttp.ClientAsync(host.Address);
        using (var stop = await http.PostAsync(new Uri("lab/servers/EX1/stop?service=MSExchangeIMAP4", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        }

        // Two failed rounds (ConsecutiveFailures) turn its monitors Unhealthy: the alert is pumped into a run.
        var cycle = host.Host.Get<ProbeCycle>();
        await cycle.RunAsync(default);
        await cycle.RunAsync(default);
        var run = await StandaloneHostTests.WaitForEndedRunAsync(http, "EX1", TimeSpan.FromSeconds(60));
        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Contains(run.Steps, s => s.Name == $"Restart {ImapServices.FrontEnd}");
        Assert.DoesNotContain(run.Steps, s => s.Name.Contains(ImapServices.BackEnd, StringComparison.Ordinal));

        // What really happened: the agent restarted MSExchangeIMAP4 on EX1 and nothing else; the back end kept its process.
        var actions = await host.Host.ActionsAsync(run.RunId);
        var restart = Assert.Single(actions, a => a.Operation == "RestartService");
        Assert.Equal(("EX1", 200), (restart.Server, restart.Status));
        Assert.EndsWith($"/services/{ImapServices.FrontEnd}/restart", restart.Path, StringComparison.Ordinal);
        Assert.DoesNotContain(actions, a => a.Operation is "RestartServer" or "SetDatabaseCopyActivation");
        Assert.Equal(backEndPid, host.Lab.MailboxServers["EX1"].Pid);
        Assert.True(frontEnd.IsRunning);
        Assert.NotEqual(frontEndPid, frontEnd.Pid);
        Assert.Equal(1, Organisation.Restarts("EX1"));
    }

    async Task<List<ProbeResult>> ProbesOfAsync(string server)
    {
        var runner = host.Host.Get<ProbeRunner>();
        var results = new List<ProbeResult>();
        foreach (var probe in new[] { ImapHealthModel.CtpProbe, ImapHealthModel.ProxyTestProbe, ImapHealthModel.DeepTestProbe, ImapHealthModel.SelfTestProbe })
        {
            results.Add(await runner.RunAsync(server, probe, default));
        }

        return results;
    }
}
