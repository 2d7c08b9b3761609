using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Remediation.Agent.Audit;
using Remediation.AgentApi;

namespace Remediation.Agent.Operations;

/// <summary>
/// The checks every operation passes before it reaches Exchange, in order: input (400, naming the field),
/// allow-lists (403), idempotency (recorded answer or 409), then one operation at a time per server, within a timeout (504).
/// The audit says what really happened: a change writes a "Started" line when it reaches Exchange (an agent killed
/// mid-operation leaves it), and an operation that outlives its request (answered 504, or its caller hung up, audited
/// 499) writes its real end on a line of its own when it finishes.
/// </summary>
public sealed partial class OperationGate(IExchangeExecutor executor, IdempotencyStore idempotency, AuditLog audit, TimeProvider time, IOptionsMonitor<AgentOptions> options, ILogger<OperationGate> logger)
{
    /// <summary>The status audited for a request whose caller hung up before its answer (nginx's "client closed request").</summary>
    public const int CallerHungUp = 499;

    readonly ConcurrentDictionary<string, SemaphoreSlim> serverLocks = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Runs <paramref name="action"/> for <paramref name="operation"/> on <paramref name="server"/> once every check passes.</summary>
    public async Task<IResult> RunAsync(
        HttpContext http,
        AgentOperation operation,
        string server,
        IReadOnlyDictionary<string, string> arguments,
        Func<IExchangeExecutor, CancellationToken, Task<IResult>> action,
        string? refusal = null)
    {
        http.Audit().Operation = operation;
        http.Audit().Arguments = arguments;
        var settings = options.CurrentValue;
        if (AgentInput.CheckServer(server) is { } badServer)
        {
            return Refuse(http, Results.ValidationProblem(new Dictionary<string, string[]> { ["server"] = [$"server {badServer}"] }), "Invalid server");
        }

        http.Audit().Server = server;
        var forbidden = !settings.Allows(operation) ? $"Operation {operation} is not allowed on this agent."
            : !settings.Manages(server) ? $"Server '{server}' is not managed by this agent."
            : refusal;
        if (forbidden is not null)
        {
            return Refuse(http, Results.Problem(forbidden, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed"), forbidden);
        }

        var key = http.Request.Headers[AgentSignature.IdempotencyHeader].FirstOrDefault();
        var fingerprint = $"{operation}|{server.ToUpperInvariant()}|{string.Join(';', arguments.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"))}";
        var line = new AuditEntry(time.GetUtcNow(), http.Audit().KeyId, http.Request.Method, http.Request.Path.Value ?? "/", operation.ToString(), server, arguments, 0, "", 0, key);
        var started = time.GetTimestamp();
        var execution = idempotency.RunOnceAsync(key, fingerprint, () => ExecuteAsync(operation, server, action, settings, IsChange(operation) ? line : null));

        // The caller waits at most the operation timeout; the operation itself goes on (up to its execution limit),
        // so a retry with the same idempotency key joins it instead of acting a second time.
        var wait = settings.OperationTimeout;
        try
        {
            return await execution.WaitAsync(wait, http.RequestAborted);
        }
        catch (TimeoutException)
        {
            http.Audit().Outcome = "Still running: answered 504; a retry with the same idempotency key gets the result; its end is audited on its own line";
            AuditItsEnd(execution, line, started, "its caller was answered 504");
            return Results.Problem($"{operation} on {server} did not finish within {wait}; it is still running.", statusCode: StatusCodes.Status504GatewayTimeout, title: "Operation still running");
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            http.Audit().Outcome = "The caller hung up before the answer; the operation goes on, its end is audited on its own line";
            AuditItsEnd(execution, line, started, "its caller hung up");
            return Results.StatusCode(CallerHungUp);
        }
    }

    static bool IsChange(AgentOperation operation) =>
        operation is AgentOperation.RestartService or AgentOperation.RestartServer or AgentOperation.SetDatabaseCopyActivation
            or AgentOperation.SetImapSettings or AgentOperation.ActivatePreferredOnServer;

    // The real end of an operation that outlived its request, on its own audit line.
    void AuditItsEnd(Task<IResult> execution, AuditEntry line, long started, string after) =>
        _ = execution.ContinueWith(
            async done =>
            {
                var status = done.IsCompletedSuccessfully
                    ? done.Result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK
                    : StatusCodes.Status500InternalServerError;
                var outcome = done.IsCompletedSuccessfully
                    ? $"Finished after {after}: HTTP {status}{(status < 400 ? " (done)" : "")}"
                    : $"Finished after {after}: failed ({done.Exception?.InnerException?.GetType().Name})";
                await audit.AppendAsync(line with { At = time.GetUtcNow(), Status = status, Outcome = outcome, DurationMs = time.GetElapsedTime(started).TotalMilliseconds });
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default).Unwrap();

    async Task<IResult> ExecuteAsync(AgentOperation operation, string server, Func<IExchangeExecutor, CancellationToken, Task<IResult>> action, AgentOptions settings, AuditEntry? change)
    {
        using var limit = new CancellationTokenSource(settings.ExecutionLimit);
        var gate = serverLocks.GetOrAdd(server, _ => new SemaphoreSlim(1, 1));
        try
        {
            await gate.WaitAsync(limit.Token);
            try
            {
                if (change is not null)
                {
                    // Before Exchange is touched: an agent killed from here on leaves this line, never silence.
                    await audit.AppendAsync(change with { At = time.GetUtcNow(), Status = StatusCodes.Status102Processing, Outcome = "Started: the operation reaches Exchange now" });
                    LogChanging(logger, operation, server);
                }
                else
                {
                    // Reads come every probe interval: at Information they would drown the changes.
                    LogReading(logger, operation, server);
                }

                return await action(executor, limit.Token).WaitAsync(limit.Token);
            }
            finally
            {
                gate.Release();
            }
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return Results.Problem($"{operation} on {server} was abandoned after {settings.ExecutionLimit}.", statusCode: StatusCodes.Status504GatewayTimeout, title: "Operation abandoned");
        }
        catch (ExchangeOperationException ex)
        {
            LogFailed(logger, operation, server, ex.Message);
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway, title: $"{ex.Cmdlet} failed");
        }
    }

    static IResult Refuse(HttpContext http, IResult result, string why)
    {
        http.Audit().Outcome = $"Refused: {why}";
        return result;
    }

    [LoggerMessage(LogLevel.Information, "{Operation} on {Server}")]
    static partial void LogChanging(ILogger logger, AgentOperation operation, string server);

    [LoggerMessage(LogLevel.Debug, "{Operation} on {Server}")]
    static partial void LogReading(ILogger logger, AgentOperation operation, string server);

    [LoggerMessage(LogLevel.Warning, "{Operation} on {Server} failed: {Error}")]
    static partial void LogFailed(ILogger logger, AgentOperation operation, string server, string error);
}
