using Remediation.Topology;

namespace Remediation.Core.Tests.Topology;

public class TopologyOptionsValidatorTests
{
    static ExchangeServerOptions Mailbox(string name) =>
        new() { Name = name, Role = ServerRole.Mailbox, BackEnd = new ImapEndpointOptions { Host = name.ToLowerInvariant(), Port = 1993 } };

    [Fact]
    public void A_valid_topology_passes()
    {
        var result = new TopologyOptionsValidator().Validate(null, new TopologyOptions { Servers = [Mailbox("MBX1"), Mailbox("MBX2")] });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Every_error_names_the_exact_setting()
    {
        var options = new TopologyOptions
        {
            Servers =
            [
                Mailbox("MBX1"),
                Mailbox("mbx1"),
                new() { Name = "bad name;rm", Role = ServerRole.None },
                new() { Name = "CAS1", Role = ServerRole.ClientAccess, FrontEnd = new ImapEndpointOptions { Host = "cas1", Port = 70000, TrustedCaFile = "/nope.pem" } },
            ],
        };

        var failures = new TopologyOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains("Remediation:Topology:Servers:1:Name 'mbx1' is configured twice.", failures);
        Assert.Contains(failures, f => f.StartsWith("Remediation:Topology:Servers:2:Name 'bad name;rm' is not a server name", StringComparison.Ordinal));
        Assert.Contains("Remediation:Topology:Servers:2:Role is required (ClientAccess, Mailbox or Both).", failures);
        Assert.Contains("Remediation:Topology:Servers:3:FrontEnd:Port 70000 is outside 1-65535.", failures);
        Assert.Contains("Remediation:Topology:Servers:3:FrontEnd:TrustedCaFile '/nope.pem' does not exist.", failures);
        Assert.Equal(5, failures.Count);
    }

    [Fact]
    public void A_pinned_ca_given_as_text_must_be_a_pem_certificate_and_not_also_a_file()
    {
        var options = new TopologyOptions
        {
            Servers =
            [
                new() { Name = "CAS1", Role = ServerRole.ClientAccess, FrontEnd = new() { Host = "cas1", Port = 993, TrustedCa = "@Microsoft.KeyVault(VaultName=kv;SecretName=imap-trusted-ca)" } },
                new() { Name = "CAS2", Role = ServerRole.ClientAccess, FrontEnd = new() { Host = "cas2", Port = 993, TrustedCa = "x", TrustedCaFile = "/etc/hostname" } },
                new() { Name = "CAS3", Role = ServerRole.ClientAccess, FrontEnd = new() { Host = "cas3", Port = 993, TrustedCa = "not a certificate" } },
            ],
        };

        var failures = new TopologyOptionsValidator().Validate(null, options).Failures!;

        // An unresolved Key Vault reference (the literal text App Service hands over) is a secret not there yet, not a
        // wrong one: the host starts degraded and CAS1 is not probed until it resolves (WorkerStartTests).
        Assert.Equal(
            ["Remediation:Topology:Servers:1:FrontEnd: set TrustedCaFile or TrustedCa, not both.",
             "Remediation:Topology:Servers:2:FrontEnd:TrustedCa is not a PEM certificate (no CERTIFICATE block)."],
            failures);
        Assert.True(options.Servers[0].AwaitsSecrets);
    }

    [Fact]
    public void A_mailbox_server_needs_its_back_end_endpoint()
    {
        var options = new TopologyOptions { Servers = [new() { Name = "MBX9", Role = ServerRole.Both, FrontEnd = new() { Host = "mbx9", Port = 993 } }] };

        var failures = new TopologyOptionsValidator().Validate(null, options).Failures!;

        Assert.Equal(["Remediation:Topology:Servers:0:BackEnd is required for a mailbox server (the MSExchangeIMAP4BE endpoint)."], failures);
    }

    [Theory]
    [InlineData("MBX1", "MBX1")]
    [InlineData("mbx1", "MBX1")]
    [InlineData("mbx1.contoso.com", "MBX1")]
    [InlineData("MBX1.corp.contoso.com", "MBX1")]
    [InlineData("imap-cas1.hybrid.contoso.com", "CAS1")] // an endpoint's own host
    [InlineData("mbx9.contoso.com", null)]
    [InlineData(".contoso.com", null)]
    [InlineData("MBX1.evil.example", null)] // a first label is not a name: only the organisation's suffixes
    [InlineData("MBX1.contoso.com.evil.example", null)]
    [InlineData("MBX1.", null)]
    public void An_exchange_hint_names_a_server_by_name_or_by_fqdn(string hint, string? expected)
    {
        var topology = new TopologyOptions
        {
            Domains = ["contoso.com", ".corp.contoso.com"],
            Servers = [new() { Name = "MBX1", Role = ServerRole.Mailbox }, new() { Name = "CAS1", Role = ServerRole.ClientAccess, FrontEnd = new() { Host = "imap-cas1.hybrid.contoso.com", Port = 993 } }],
        };

        Assert.Equal(expected, topology.FindByHint(hint)?.Name);
    }
}
