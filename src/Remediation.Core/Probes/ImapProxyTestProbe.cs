using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>
/// ImapProxyTestProbe (IMAP.Proxy): the CAS proxy path. A login through the front end succeeds only once the CAS has
/// proxied it to the mailbox server that holds the probe mailbox and that server accepted it; SELECT confirms the
/// proxied session is usable. A proxy that cannot reach the back end answers [UNAVAILABLE] (area: Proxy).
/// </summary>
public sealed class ImapProxyTestProbe(TimeProvider time, IOptionsMonitor<ProbeOptions> options, ImapTransport? transport = null)
    : ImapLoginProbe(time, options, transport)
{
    /// <inheritdoc />
    public override string Name => ImapHealthModel.ProxyTestProbe;

    /// <inheritdoc />
    protected override string HealthSet => ImapHealthModel.ProxyHealthSet;

    /// <inheritdoc />
    protected override ImapEndpointOptions? EndpointOf(ExchangeServerOptions server) =>
        server.Role.HasFlag(ServerRole.ClientAccess) ? server.FrontEnd : null;
}
