using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Remediation.AgentApi;

namespace Remediation.Exchange;

/// <summary>The agent answered with an error: its status and the problem text it gave.</summary>
public class AgentException(HttpStatusCode status, string detail)
    : Exception($"Agent answered {(int)status} {status}: {detail}")
{
    /// <summary>HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The exception for an error answer: <see cref="AgentUnavailableException"/> when a retry may succeed.</summary>
    public static AgentException For(HttpStatusCode status, string detail) =>
        // 502 is the agent relaying a cmdlet's own error: not transient, retrying would repeat it.
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            ? new AgentUnavailableException(status, detail)
            : new AgentException(status, detail);
}

/// <summary>
/// The agent said "try again" (timeout, busy, unavailable). Durable retries recognise it by its type name across the
/// activity boundary (<c>TaskFailureDetails.ErrorType</c>); the step's idempotency key makes a retry return the first answer.
/// </summary>
public sealed class AgentUnavailableException(HttpStatusCode status, string detail) : AgentException(status, detail);

/// <summary>
/// The one typed client the engine uses to reach Exchange through the on-premises agent. Every state-changing call
/// carries the step's idempotency key, so a retried activity gets the first answer and never acts twice.
/// </summary>
public sealed class ExchangeAgentClient(HttpClient http)
{
    static readonly JsonSerializerOptions Json = JsonDefaults.Options;

    /// <summary>Get-ServerHealth.</summary>
    public Task<ServerHealthReport> GetServerHealthAsync(string server, CancellationToken cancellationToken) =>
        SendAsync<ServerHealthReport>(HttpMethod.Get, $"{Server(server)}/health", null, null, cancellationToken);

    /// <summary>Invoke-MonitoringProbe.</summary>
    public Task<MonitoringProbeResult> InvokeMonitoringProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken) =>
        SendAsync<MonitoringProbeResult>(HttpMethod.Post, $"{Server(server)}/probes", new InvokeProbeRequest(healthSet, probe), null, cancellationToken);

    /// <summary>Restart-Service.</summary>
    public Task<RestartResult> RestartServiceAsync(string server, string service, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<RestartResult>(HttpMethod.Post, $"{Server(server)}/services/{Uri.EscapeDataString(service)}/restart", null, idempotencyKey, cancellationToken);

    /// <summary>Restart-Computer -Force: answers once the restart has started, with the boot time before it.</summary>
    public Task<ServerRestartStarted> RestartServerAsync(string server, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<ServerRestartStarted>(HttpMethod.Post, $"{Server(server)}/restart", null, idempotencyKey, cancellationToken);

    /// <summary>Last boot time and IMAP4 service state (unreachable while the server reboots).</summary>
    public Task<ServerState> GetServerStateAsync(string server, CancellationToken cancellationToken) =>
        SendAsync<ServerState>(HttpMethod.Get, $"{Server(server)}/state", null, null, cancellationToken);

    /// <summary>Set-MailboxServer -DatabaseCopyActivationDisabledAndMoveNow; answers the copy status after it.</summary>
    public Task<DatabaseCopyStatus> SetDatabaseCopyActivationAsync(string server, bool disabledAndMoveNow, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<DatabaseCopyStatus>(HttpMethod.Put, $"{Server(server)}/database-copy-activation", new DatabaseCopyActivationRequest(disabledAndMoveNow), idempotencyKey, cancellationToken);

    /// <summary>Move-ActiveMailboxDatabase -ActivatePreferredOnServer (fail-back): the server's copies after it.</summary>
    public Task<DatabaseCopyStatus> ActivatePreferredOnServerAsync(string server, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<DatabaseCopyStatus>(HttpMethod.Post, $"{Server(server)}/database-copies/activate-preferred", null, idempotencyKey, cancellationToken);

    /// <summary>Get-ServerComponentState: Exchange's own maintenance mode.</summary>
    public Task<ServerComponentStates> GetServerComponentStatesAsync(string server, CancellationToken cancellationToken) =>
        SendAsync<ServerComponentStates>(HttpMethod.Get, $"{Server(server)}/component-states", null, null, cancellationToken);

    /// <summary>Get-MailboxDatabaseCopyStatus.</summary>
    public Task<DatabaseCopyStatus> GetDatabaseCopyStatusAsync(string server, CancellationToken cancellationToken) =>
        SendAsync<DatabaseCopyStatus>(HttpMethod.Get, $"{Server(server)}/database-copies", null, null, cancellationToken);

    /// <summary>Get-ImapSettings.</summary>
    public Task<ImapSettings> GetImapSettingsAsync(string server, CancellationToken cancellationToken) =>
        SendAsync<ImapSettings>(HttpMethod.Get, $"{Server(server)}/imap-settings", null, null, cancellationToken);

    /// <summary>Set-ImapSettings -ProtocolLogEnabled; answers the settings after it.</summary>
    public Task<ImapSettings> SetImapSettingsAsync(string server, bool protocolLogEnabled, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<ImapSettings>(HttpMethod.Put, $"{Server(server)}/imap-settings", new SetImapSettingsRequest(protocolLogEnabled), idempotencyKey, cancellationToken);

    /// <summary>The two IMAP4 performance counters.</summary>
    public Task<ImapCounters> GetImapCountersAsync(string server, CancellationToken cancellationToken) =>
        SendAsync<ImapCounters>(HttpMethod.Get, $"{Server(server)}/imap-counters", null, null, cancellationToken);

    /// <summary>
    /// A page of the agent's audit log (newest last): <paramref name="top"/> entries before the newest
    /// <paramref name="skip"/>; with <paramref name="unverified"/>, of its log of requests without a verified key.
    /// </summary>
    public Task<IReadOnlyList<AuditEntry>> GetAuditAsync(int top, CancellationToken cancellationToken, int skip = 0, bool unverified = false) =>
        SendAsync<IReadOnlyList<AuditEntry>>(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"api/v1/audit?top={top}&skip={skip}{(unverified ? "&unverified=true" : "")}"), null, null, cancellationToken);

    static string Server(string server) =>
        AgentInput.CheckServer(server) is { } why ? throw new ArgumentException($"server {why}", nameof(server)) : $"api/v1/servers/{server}";

    async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add(AgentSignature.IdempotencyHeader, idempotencyKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            throw AgentException.For(response.StatusCode, Detail(problem));
        }

        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }

    static string Detail(string problem)
    {
        try
        {
            using var document = JsonDocument.Parse(problem);
            var root = document.RootElement;
            return root.TryGetProperty("detail", out var detail) ? detail.GetString() ?? problem
                : root.TryGetProperty("errors", out var errors) ? errors.ToString()
                : problem;
        }
        catch (JsonException)
        {
            return problem.Length > 500 ? problem[..500] : problem;
        }
    }
}
