using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.EndToEnd.Tests.Probes;

/// <summary>ImapCTPProbe, ImapProxyTestProbe and ImapDeepTestProbe against the real Dovecot back end and proxy.</summary>
public sealed class ImapLoginProbeTests(LabFixture fixture) : IClassFixture<LabFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fixture.HealAsync();

    public Task DisposeAsync() => fixture.HealAsync();

    static IOptionsMonitor<ProbeOptions> Options(TimeSpan timeout)
    {
        var services = new ServiceCollection();
        services.AddOptions<ProbeOptions>().Configure(o => o.Timeout = timeout);
        return services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<ProbeOptions>>();
    }

    static IImapProbe Probe(string name, double timeoutSeconds = 5) => name switch
    {
        "ImapCTPProbe" => new ImapCtpProbe(TimeProvider.System, Options(TimeSpan.FromSeconds(timeoutSeconds))),
        "ImapProxyTestProbe" => new ImapProxyTestProbe(TimeProvider.System, Options(TimeSpan.FromSeconds(timeoutSeconds))),
        _ => new ImapDeepTestProbe(TimeProvider.System, Options(TimeSpan.FromSeconds(timeoutSeconds))),
    };

    ProbeMailboxOptions Mailbox(string? password = null) => new()
    {
        User = "probe_mbx1",
        Password = password ?? fixture.Lab.Definition.MailboxServers[0].ProbePassword,
        MailboxServer = "MBX1",
    };

    ExchangeServerOptions Cas(ImapSecurity security = ImapSecurity.Tls, int? port = null) => new()
    {
        Name = "CAS1",
        Role = ServerRole.ClientAccess,
        ProbeMailbox = Mailbox(),
        FrontEnd = new()
        {
            Host = "localhost",
            Port = port ?? (security == ImapSecurity.Tls ? fixture.Lab.ClientAccessServers["CAS1"].ImapsPort : fixture.Lab.ClientAccessServers["CAS1"].ImapPort),
            Security = security,
            TrustedCaFile = fixture.Lab.Certificate.CaCertPath,
        },
    };

    ExchangeServerOptions Mbx(string? password = null, int? port = null, ImapSecurity security = ImapSecurity.Tls) => new()
    {
        Name = "MBX1",
        Role = ServerRole.Mailbox,
        ProbeMailbox = Mailbox(password),
        BackEnd = new() { Host = "localhost", Port = port ?? fixture.Mbx1.ImapsPort, Security = security, TrustedCaFile = fixture.Lab.Certificate.CaCertPath },
    };

    [Theory]
    [InlineData(ImapSecurity.Tls)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task Ctp_through_a_healthy_cas_logs_in_selects_and_reads(ImapSecurity security)
    {
        var result = await Probe("ImapCTPProbe").RunAsync(Cas(security), default);

        Assert.True(result.Succeeded, result.Summary);
        Assert.Equal("IMAP", result.HealthSet);
        Assert.Equal([ProbePhase.Connect, ProbePhase.Tls, ProbePhase.Auth, ProbePhase.Select, ProbePhase.Command, ProbePhase.Logout], result.PhaseLatencyMs.Keys.Order());
        Assert.Equal("MBX1", result.MailboxServer);
    }

    [Fact]
    public async Task Proxy_and_deep_tests_pass_on_a_healthy_lab()
    {
        var proxy = await Probe("ImapProxyTestProbe").RunAsync(Cas(), default);
        var deep = await Probe("ImapDeepTestProbe").RunAsync(Mbx(), default);

        Assert.True(proxy.Succeeded, proxy.Summary);
        Assert.Equal("IMAP.Proxy", proxy.HealthSet);
        Assert.True(deep.Succeeded, deep.Summary);
        Assert.Equal("IMAP.Protocol", deep.HealthSet);
        Assert.DoesNotContain(ProbePhase.Command, proxy.PhaseLatencyMs.Keys);
    }

    [Theory]
    [InlineData("ImapCTPProbe")]
    [InlineData("ImapProxyTestProbe")]
    public async Task A_stopped_back_end_behind_the_proxy_fails_login_with_unavailable_in_the_proxy_area(string probe)
    {
        await fixture.Mbx1.StopAsync();

        var result = await Probe(probe).RunAsync(Cas(), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Auth, "UNAVAILABLE", DependencyArea.Proxy), (result.Result, result.FailedPhase, result.ResponseCode, result.DependencyArea));
        Assert.Equal("MBX1", result.MailboxServer);
    }

    [Fact]
    public async Task A_stopped_back_end_fails_the_deep_test_at_connect()
    {
        await fixture.Mbx1.StopAsync();

        var result = await Probe("ImapDeepTestProbe").RunAsync(Mbx(), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Connect, DependencyArea.Network), (result.Result, result.FailedPhase, result.DependencyArea));
    }

    [Fact]
    public async Task A_stopped_proxy_fails_the_ctp_at_connect()
    {
        await fixture.Lab.ClientAccessServers["CAS1"].StopAsync();

        var result = await Probe("ImapCTPProbe").RunAsync(Cas(), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Connect), (result.Result, result.FailedPhase));
    }

    [Fact]
    public async Task A_wrong_password_is_authentication_failed_not_unavailable_and_is_never_echoed()
    {
        const string wrong = "Wr0ng-S3cret-Value";

        var result = await Probe("ImapDeepTestProbe").RunAsync(Mbx(password: wrong), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Auth, "AUTHENTICATIONFAILED", DependencyArea.Authentication), (result.Result, result.FailedPhase, result.ResponseCode, result.DependencyArea));
        Assert.DoesNotContain(wrong, System.Text.Json.JsonSerializer.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_back_end_past_the_timeout_times_out()
    {
        using var hole = new TcpTroublemaker(reset: false);

        var result = await Probe("ImapDeepTestProbe", timeoutSeconds: 0.5).RunAsync(Mbx(port: hole.Port), default);

        Assert.Equal((ProbeOutcome.TimedOut, ProbePhase.Tls), (result.Result, result.FailedPhase));
    }

    [Fact]
    public async Task A_connection_reset_during_tls_fails_the_ctp_at_tls()
    {
        using var reset = new TcpTroublemaker(reset: true);

        var result = await Probe("ImapCTPProbe").RunAsync(Cas(port: reset.Port), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Tls, DependencyArea.TLS), (result.Result, result.FailedPhase, result.DependencyArea));
    }
}
