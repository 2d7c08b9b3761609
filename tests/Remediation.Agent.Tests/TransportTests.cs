using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Remediation.Agent.Security;
using Remediation.Exchange;
using Remediation.Lab.Agent;

namespace Remediation.Agent.Tests;

/// <summary>
/// HTTPS by default on the agent, plain HTTP only on loopback; the engine trusts exactly the pinned certificate of the
/// agent (an internal CA the multi-tenant App Service cannot trust), and nothing else.
/// </summary>
[Collection(nameof(AgentCollection))]
public sealed class TransportTests(AgentFixture fixture)
{
    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://agent.contoso.local:8080")]
    public void The_agent_refuses_plain_http_on_any_address_but_loopback(string url) =>
        Assert.Contains(url, AgentTransport.Refusal(["https://0.0.0.0:8443", url]), StringComparison.Ordinal);

    [Theory]
    [InlineData("https://0.0.0.0:8443")]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://[::1]:5000")]
    [InlineData("http://localhost:5000")]
    public void The_agent_serves_https_anywhere_and_plain_http_on_loopback(string url) => Assert.Null(AgentTransport.Refusal([url]));

    [Fact]
    public void Server_restarts_and_drains_are_off_until_an_agent_opts_in() =>
        Assert.Equal((false, false), (new AgentOptions().AllowServerRestart, new AgentOptions().AllowDrain));

    [Fact]
    public void The_engine_refuses_plain_http_to_an_agent_off_this_machine()
    {
        var remote = new AgentClientOptions { BaseAddress = new Uri("http://agent.contoso.local:8080/"), KeyId = "k1", Key = AgentFixture.Key };
        var local = new AgentClientOptions { BaseAddress = new Uri("http://127.0.0.1:8080/"), KeyId = "k1", Key = AgentFixture.Key, CertificateThumbprints = ["AB"] };

        Assert.Contains(Validate(remote), e => e.Contains("must be https://", StringComparison.Ordinal));
        Assert.Contains(Validate(local), e => e.Contains("CertificateThumbprints:0", StringComparison.Ordinal));
    }

    static List<string> Validate(AgentClientOptions options) =>
        [.. options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage!)];

    [Fact]
    public async Task The_engine_trusts_exactly_the_pinned_agent_certificate()
    {
        using var certificate = SelfSigned("agent.contoso.local");
        using var other = SelfSigned("agent.contoso.local");
        var directory = Directory.CreateTempSubdirectory("tls-agent-").FullName;
        await using var agent = LabAgent.Build(fixture.Lab, builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"Agent:Keys:{AgentFixture.KeyId}"] = AgentFixture.Key,
                ["Agent:ManagedServers:0"] = "MBX1",
                ["Agent:AuditLogPath"] = Path.Combine(directory, "audit.jsonl"),
                ["Agent:StatePath"] = Path.Combine(directory, "state.db"),
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        });
        await agent.StartAsync();
        var address = new Uri(agent.Urls.Single(u => u.StartsWith("https://", StringComparison.Ordinal)));
        try
        {
            var pinned = await Client(address, Thumbprint(certificate)).GetImapSettingsAsync("MBX1", default);
            var wrongPin = await Record.ExceptionAsync(() => Client(address, Thumbprint(other)).GetImapSettingsAsync("MBX1", default));
            var noPin = await Record.ExceptionAsync(() => Client(address).GetImapSettingsAsync("MBX1", default));

            Assert.Equal("MBX1", pinned.Server, ignoreCase: true);
            Assert.IsType<HttpRequestException>(wrongPin);
            Assert.IsType<HttpRequestException>(noPin); // a certificate no trusted CA issued: refused without a pin
        }
        finally
        {
            await agent.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    static ExchangeAgentClient Client(Uri address, params string[] pins)
    {
        var options = new AgentClientOptions { BaseAddress = address, KeyId = AgentFixture.KeyId, Key = AgentFixture.Key, CertificateThumbprints = [.. pins] };
        var handler = new AgentSigningHandler(new FixedOptions<AgentClientOptions>(options), TimeProvider.System) { InnerHandler = ExchangeRegistration.CreateTransport(options) };
        return new ExchangeAgentClient(new HttpClient(handler) { BaseAddress = address });
    }

    static string Thumbprint(X509Certificate2 certificate) => Convert.ToHexString(SHA256.HashData(certificate.RawData));

    static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddMinutes(-5), TimeProvider.System.GetUtcNow().AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
