using MailKit.Net.Imap;
using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>
/// ImapSelfTestProbe (IMAP.Protocol): the local IMAP4 service answers. Greeting and CAPABILITY (with STARTTLS where
/// the endpoint uses it), no login. Probes the back end of a mailbox server, the front end of a CAS.
/// </summary>
public sealed class ImapSelfTestProbe(TimeProvider time, IOptionsMonitor<ProbeOptions> options, ImapTransport? transport = null) : IImapProbe
{
    /// <inheritdoc />
    public string Name => ImapHealthModel.SelfTestProbe;

    /// <inheritdoc />
    public bool LogsIn => false;

    /// <inheritdoc />
    public bool AppliesTo(ExchangeServerOptions server) => (server.BackEnd ?? server.FrontEnd) is not null;

    /// <inheritdoc />
    public async Task<ProbeResult> RunAsync(ExchangeServerOptions server, CancellationToken cancellationToken)
    {
        var endpoint = server.BackEnd ?? server.FrontEnd ?? throw new ArgumentException($"Server {server.Name} has no IMAP endpoint.", nameof(server));
        var run = new ProbeRun(time, transport ?? new ImapTransport(), server.Name, Name, ImapHealthModel.ProtocolHealthSet, endpoint);
        // MailKit has read the greeting and CAPABILITY (asking for it when the greeting lacks it) while connecting.
        return await run.ExecuteAsync(endpoint, options.CurrentValue.Timeout, (client, _) =>
            client.Capabilities == ImapCapabilities.None
                ? throw new ImapProtocolException("The server announced no capabilities.")
                : Task.CompletedTask, cancellationToken);
    }
}
