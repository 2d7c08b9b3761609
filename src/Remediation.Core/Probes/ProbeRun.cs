using System.Net.Sockets;
using MailKit.Net.Imap;
using MailKit.Security;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>Times the phases of one probe run and turns the way it ended into a <see cref="ProbeResult"/>.</summary>
internal sealed class ProbeRun
{
    readonly TimeProvider time;
    readonly long started;
    readonly Dictionary<ProbePhase, double> phases = [];
    readonly string server;
    readonly string probe;
    readonly string healthSet;
    readonly string endpoint;
    readonly DateTimeOffset startedAt;

    readonly ImapTransport transport;

    public ProbeRun(TimeProvider time, ImapTransport transport, string server, string probe, string healthSet, ImapEndpointOptions endpoint)
    {
        this.time = time;
        this.transport = transport;
        this.server = server;
        this.probe = probe;
        this.healthSet = healthSet;
        this.endpoint = endpoint.ToString();
        startedAt = time.GetUtcNow();
        started = time.GetTimestamp();
    }

    public ProbePhase Current { get; private set; } = ProbePhase.Connect;

    /// <summary>
    /// Runs <paramref name="phases"/> on a fresh client within <paramref name="timeout"/>, after connecting, and
    /// turns however it ends into a result: Succeeded, Failed at a phase, or TimedOut. Only the caller's own
    /// cancellation escapes as an exception.
    /// </summary>
    public async Task<ProbeResult> ExecuteAsync(
        ImapEndpointOptions endpoint,
        TimeSpan timeout,
        Func<ImapClient, CancellationToken, Task> phases,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new ImapClient(Responses) { Timeout = (int)timeout.TotalMilliseconds };
        try
        {
            await ConnectAsync(client, endpoint, deadline.Token);
            await phases(client, deadline.Token);
            await StepAsync(ProbePhase.Logout, () => client.DisconnectAsync(quit: true, deadline.Token));
            return Succeeded();
        }
        catch (Exception ex) when (ex is TimeoutException || (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            // Whatever the deadline interrupted (MailKit wraps a cancelled TLS handshake in SslHandshakeException).
            return TimedOut(timeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(ex);
        }
    }

    public ServerResponseRecorder Responses { get; } = new();

    /// <summary>The mailbox server expected behind the probe mailbox (from configuration).</summary>
    public string? MailboxServer { get; set; }

    public async Task StepAsync(ProbePhase phase, Func<Task> action)
    {
        Current = phase;
        var t = time.GetTimestamp();
        await action();
        phases[phase] = time.GetElapsedTime(t).TotalMilliseconds;
    }

    public ProbeResult Succeeded() => Result(ProbeOutcome.Succeeded, null, null, null, null);

    public ProbeResult TimedOut(TimeSpan timeout) =>
        Result(ProbeOutcome.TimedOut, Current, null, $"No answer within {timeout.TotalSeconds:0.###} s during {Current}.", AreaOf(Current, null));

    public ProbeResult Failed(Exception error)
    {
        var phase = error switch
        {
            SslHandshakeException or System.Security.Authentication.AuthenticationException => ProbePhase.Tls,
            SocketException when Current == ProbePhase.Connect => ProbePhase.Connect,
            _ => Current,
        };
        var code = Responses.LastResponseCode;
        var text = error switch
        {
            SocketException s => s.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "Connection refused: nothing listens on the port (service stopped?).",
                SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => "Connection reset by the server.",
                _ => s.Message,
            },
            SslHandshakeException => "TLS handshake failed: the server certificate is not trusted for this endpoint, or TLS is not offered.",
            ImapCommandException c => $"{c.Response} {c.ResponseText}".Trim(),
            MailKit.Security.AuthenticationException => Responses.LastTaggedLine is { } line ? StripTag(line) : error.Message,
            ImapProtocolException or IOException => $"The server closed the connection or spoke out of turn during {phase}: {error.Message}",
            _ => error.Message,
        };
        // Exception texts quote the server (MailKit puts its response text in them): cleaned like its lines.
        return Result(ProbeOutcome.Failed, phase, code, OutsideText.Clean(text, 1000), AreaOf(phase, code));
    }

    static string StripTag(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? line[(space + 1)..] : line;
    }

    static DependencyArea AreaOf(ProbePhase phase, string? code) => (phase, code) switch
    {
        (ProbePhase.Connect, _) => DependencyArea.Network,
        (ProbePhase.Tls, _) => DependencyArea.TLS,
        (ProbePhase.Auth, "UNAVAILABLE") => DependencyArea.Proxy,
        (ProbePhase.Auth, _) => DependencyArea.Authentication,
        (ProbePhase.Select or ProbePhase.Command, _) => DependencyArea.Store,
        _ => DependencyArea.Network,
    };

    ProbeResult Result(ProbeOutcome outcome, ProbePhase? phase, string? code, string? error, DependencyArea? area) =>
        new(server, probe, healthSet, endpoint, startedAt, time.GetElapsedTime(started).TotalMilliseconds, outcome, phase, code, error, area, phases,
            MailboxHint.Find(error) ?? MailboxServer);

    /// <summary>Connects <paramref name="client"/> phase by phase: TCP, then TLS (on connect or STARTTLS), then the greeting.</summary>
    public async Task ConnectAsync(ImapClient client, ImapEndpointOptions endpoint, CancellationToken cancellationToken)
    {
        client.ServerCertificateValidationCallback = CertificateTrust.For(endpoint);
        Stream? stream = null;
        await StepAsync(ProbePhase.Connect, async () => stream = await transport.OpenAsync(endpoint, cancellationToken));

        var options = endpoint.Security switch
        {
            ImapSecurity.Tls => SecureSocketOptions.SslOnConnect,
            ImapSecurity.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };

        // MailKit owns the stream from here (and disposes it with the client).
        var greetingPhase = options == SecureSocketOptions.None ? ProbePhase.Greeting : ProbePhase.Tls;
        await StepAsync(greetingPhase, () => client.ConnectAsync(stream!, endpoint.Host, endpoint.Port, options, cancellationToken));
    }
}
