using MailKit;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Options;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>
/// The probes that log in: connect, TLS, LOGIN (SASL PLAIN only: trying every mechanism pays the server's
/// failure delay each time), SELECT INBOX, optionally a read command, LOGOUT.
/// </summary>
public abstract class ImapLoginProbe(TimeProvider time, IOptionsMonitor<ProbeOptions> options, ImapTransport? transport) : IImapProbe
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public bool LogsIn => true;

    /// <summary>The health set the probe feeds.</summary>
    protected abstract string HealthSet { get; }

    /// <summary>True to run NOOP and SEARCH after SELECT (the customer touch point).</summary>
    protected virtual bool RunsReadCommand => false;

    /// <summary>The endpoint probed on <paramref name="server"/>, or null when the probe does not apply.</summary>
    protected abstract ImapEndpointOptions? EndpointOf(ExchangeServerOptions server);

    /// <inheritdoc />
    public bool AppliesTo(ExchangeServerOptions server) => EndpointOf(server) is not null && server.ProbeMailbox is not null;

    /// <inheritdoc />
    public async Task<ProbeResult> RunAsync(ExchangeServerOptions server, CancellationToken cancellationToken)
    {
        var endpoint = EndpointOf(server) ?? throw new ArgumentException($"{Name} does not apply to {server.Name}: no endpoint.", nameof(server));
        var mailbox = server.ProbeMailbox ?? throw new ArgumentException($"{Name} does not apply to {server.Name}: no probe mailbox.", nameof(server));
        var run = new ProbeRun(time, transport ?? new ImapTransport(), server.Name, Name, HealthSet, endpoint)
        {
            MailboxServer = mailbox.MailboxServer ?? (server.Role.HasFlag(ServerRole.Mailbox) ? server.Name : null),
        };
        return await run.ExecuteAsync(endpoint, options.CurrentValue.Timeout, async (client, ct) =>
        {
            await run.StepAsync(ProbePhase.Auth, () => client.AuthenticateAsync(new SaslMechanismPlain(mailbox.User, mailbox.Password), ct));
            await run.StepAsync(ProbePhase.Select, () => client.Inbox.OpenAsync(FolderAccess.ReadOnly, ct));
            if (RunsReadCommand)
            {
                await run.StepAsync(ProbePhase.Command, async () =>
                {
                    await client.NoOpAsync(ct);
                    _ = await client.Inbox.SearchAsync(SearchQuery.All, ct);
                });
            }
        }, cancellationToken);
    }
}
