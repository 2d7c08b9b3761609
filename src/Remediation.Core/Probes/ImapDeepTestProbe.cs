using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>ImapDeepTestProbe (IMAP.Protocol): login directly against the mailbox server's back-end IMAP4 service (ProxyTargetPort, 1993), SELECT INBOX.</summary>
public sealed class ImapDeepTestProbe(TimeProvider time, IOptionsMonitor<ProbeOptions> options, ImapTransport? transport = null)
    : ImapLoginProbe(time, options, transport)
{
    /// <inheritdoc />
    public override string Name => ImapHealthModel.DeepTestProbe;

    /// <inheritdoc />
    protected override string HealthSet => ImapHealthModel.ProtocolHealthSet;

    /// <inheritdoc />
    protected override ImapEndpointOptions? EndpointOf(ExchangeServerOptions server) =>
        server.Role.HasFlag(ServerRole.Mailbox) ? server.BackEnd : null;
}
