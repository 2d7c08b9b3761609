using MailKit.Net.Imap;
using Microsoft.Extensions.Options;
using Remediation.Monitoring;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>
/// ImapSelfTestProbe (IMAP.Protocol): the local IMAP4 service answers. Greeting and CAPABILITY (with STARTTLS where
/// the endpoint uses it), no login. Probes the back end of a mailbox server, the front end of a CAS.
/// </summary>
public sealed class ImapSelfTestProbe(TimeProvider time, IOptionsMonitor<ProbeOptions> options) : IImapProbe
{
    /// <inheritdoc />
    public string Name => ImapHealthModel.SelfTestProbe;

    /// <inheritdoc />
    public bool AppliesTo(ExchangeServerOptions server) => (server.BackEnd ?? server.FrontEnd) is not null;

    /// <inheritdoc />
    public async Task<ProbeResult> RunAsync(ExchangeServerOptions server, CancellationToken cancellationToken)
    {
        var endpoint = server.BackEnd ?? server.FrontEnd ?? throw new ArgumentException($"Server {server.Name} has no IMAP endpoint.", nameof(server));
        var timeout = options.CurrentValue.Timeout;
        var run = new ProbeRun(time, server.Name, Name, ImapHealthModel.ProtocolHealthSet, endpoint);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new ImapClient(run.Responses) { Timeout = (int)timeout.TotalMilliseconds };
        try
        {
            await run.ConnectAsync(client, endpoint, deadline.Token);
            await run.StepAsync(ProbePhase.Greeting, () =>
                client.Capabilities == ImapCapabilities.None
                    ? throw new ImapProtocolException("The server announced no capabilities.")
                    : Task.CompletedTask);
            await run.StepAsync(ProbePhase.Logout, () => client.DisconnectAsync(quit: true, deadline.Token));
            return run.Succeeded();
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return run.TimedOut(timeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return run.Failed(ex);
        }
    }
}
