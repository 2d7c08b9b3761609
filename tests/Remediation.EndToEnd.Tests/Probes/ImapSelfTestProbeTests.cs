using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.EndToEnd.Tests.Probes;

/// <summary>ImapSelfTestProbe against real Dovecot processes.</summary>
public sealed class ImapSelfTestProbeTests(LabFixture fixture) : IClassFixture<LabFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fixture.HealAsync();

    public Task DisposeAsync() => fixture.HealAsync();

    static ImapSelfTestProbe Probe(TimeSpan? timeout = null)
    {
        var services = new ServiceCollection();
        services.AddOptions<ProbeOptions>().Configure(o => o.Timeout = timeout ?? TimeSpan.FromSeconds(5));
        return new ImapSelfTestProbe(TimeProvider.System, services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<ProbeOptions>>());
    }

    ExchangeServerOptions Mbx1(ImapSecurity security = ImapSecurity.Tls, int? port = null, bool trustLabCa = true) => new()
    {
        Name = "MBX1",
        Role = ServerRole.Mailbox,
        BackEnd = new ImapEndpointOptions
        {
            Host = "localhost",
            Port = port ?? (security == ImapSecurity.Tls ? fixture.Mbx1.ImapsPort : fixture.Mbx1.ImapPort),
            Security = security,
            TrustedCaFile = trustLabCa ? fixture.Lab.Certificate.CaCertPath : null,
        },
    };

    [Fact]
    public async Task The_lab_ca_pinned_as_pem_text_is_trusted_and_another_ca_is_not()
    {
        var pinned = Mbx1(trustLabCa: false);
        pinned.BackEnd!.TrustedCa = await File.ReadAllTextAsync(fixture.Lab.Certificate.CaCertPath);
        var stranger = Mbx1(trustLabCa: false);
        using var otherCa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Some other CA", otherCa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var other = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        stranger.BackEnd!.TrustedCa = other.ExportCertificatePem();

        var trusted = await Probe().RunAsync(pinned, default);
        var refused = await Probe().RunAsync(stranger, default);

        Assert.True(trusted.Succeeded, trusted.Summary);
        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Tls), (refused.Result, refused.FailedPhase));
    }

    [Theory]
    [InlineData(ImapSecurity.Tls)]
    [InlineData(ImapSecurity.StartTls)]
    [InlineData(ImapSecurity.None)]
    public async Task A_healthy_back_end_passes_with_each_phase_timed(ImapSecurity security)
    {
        var result = await Probe().RunAsync(Mbx1(security), default);

        Assert.True(result.Succeeded, result.Summary);
        Assert.Equal(("MBX1", "ImapSelfTestProbe", "IMAP.Protocol"), (result.Server, result.Probe, result.HealthSet));
        Assert.Contains(ProbePhase.Connect, result.PhaseLatencyMs.Keys);
        Assert.Contains(ProbePhase.Logout, result.PhaseLatencyMs.Keys);
        Assert.Contains(security == ImapSecurity.None ? ProbePhase.Greeting : ProbePhase.Tls, result.PhaseLatencyMs.Keys);
        Assert.Null(result.FailedPhase);
    }

    [Fact]
    public async Task A_stopped_back_end_fails_at_connect_in_the_network_area()
    {
        await fixture.Mbx1.StopAsync();

        var result = await Probe().RunAsync(Mbx1(), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Connect, DependencyArea.Network), (result.Result, result.FailedPhase, result.DependencyArea));
        Assert.Contains("Connection refused", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_from_an_untrusted_ca_fails_at_tls()
    {
        var result = await Probe().RunAsync(Mbx1(trustLabCa: false), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Tls, DependencyArea.TLS), (result.Result, result.FailedPhase, result.DependencyArea));
        Assert.Contains("not trusted", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_black_holed_port_times_out_within_the_timeout()
    {
        using var hole = new TcpTroublemaker(reset: false);

        var result = await Probe(TimeSpan.FromMilliseconds(500)).RunAsync(Mbx1(ImapSecurity.None, hole.Port), default);

        Assert.Equal(ProbeOutcome.TimedOut, result.Result);
        Assert.Equal(ProbePhase.Greeting, result.FailedPhase);
        Assert.InRange(result.LatencyMs, 400, 3000);
    }

    [Fact]
    public async Task A_reset_connection_fails_and_says_so()
    {
        using var reset = new TcpTroublemaker(reset: true);

        var result = await Probe().RunAsync(Mbx1(ImapSecurity.Tls, reset.Port), default);

        Assert.Equal(ProbeOutcome.Failed, result.Result);
        Assert.True(ProbePhase.Tls == result.FailedPhase, result.Summary);
    }
}
