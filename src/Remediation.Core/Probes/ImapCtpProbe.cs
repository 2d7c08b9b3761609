using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>ImapCTPProbe (IMAP): the customer touch point, end to end through the CAS as a user would, with a read command.</summary>
public sealed class ImapCtpProbe(TimeProvider time, IOptionsMonitor<ProbeOptions> options, ImapTransport? transport = null)
    : ImapLoginProbe(time, options, transport)
{
    /// <inheritdoc />
    public override string Name => ImapHealthModel.CtpProbe;

    /// <inheritdoc />
    protected override string HealthSet => ImapHealthModel.ImapHealthSet;

    /// <inheritdoc />
    protected override bool RunsReadCommand => true;

    /// <inheritdoc />
    protected override ImapEndpointOptions? EndpointOf(ExchangeServerOptions server) =>
        server.Role.HasFlag(ServerRole.ClientAccess) ? server.FrontEnd : null;
}
