using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Remediation.Agent.Audit;
using Remediation.AgentApi;

namespace Remediation.Agent.Operations;

/// <summary>
/// The checks every operation passes before it reaches Exchange, in order: input (400, naming the field),
/// allow-lists (403), idempotency (recorded answer or 409), then one operation at a time per server, within a timeout (504).
/// </summary>
public sealed partial class OperationGate(IExchangeExecutor executor, IdempotencyStore idempotency, IOptionsMonitor<AgentOptions> options, ILogger<OperationGate> logger)
{
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
        var execution = idempotency.RunOnceAsync(key, fingerprint, () => ExecuteAsync(operation, server, action, settings));

        // The caller waits at most the operation timeout; the operation itself goes on (up to its execution limit),
        // so a retry with the same idempotency key joins it instead of acting a second time.
        var wait = settings.OperationTimeout;
        try
        {
            return await execution.WaitAsync(wait, http.RequestAborted);
        }
        catch (TimeoutException)
        {
            http.Audit().Outcome = "Still running: answered 504; a retry with the same idempotency key gets the result";
            return Results.Problem($"{operation} on {server} did not finish within {wait}; it is still running.", statusCode: StatusCodes.Status504GatewayTimeout, title: "Operation still running");
        }
    }

    async Task<IResult> ExecuteAsync(AgentOperation operation, string server, Func<IExchangeExecutor, CancellationToken, Task<IResult>> action, AgentOptions settings)
    {
        using var limit = new CancellationTokenSource(settings.ExecutionLimit);
        var gate = serverLocks.GetOrAdd(server, _ => new SemaphoreSlim(1, 1));
        try
        {
            await gate.WaitAsync(limit.Token);
            try
            {
                if (operation is AgentOperation.RestartService or AgentOperation.RestartServer or AgentOperation.SetDatabaseCopyActivation or AgentOperation.SetImapSettings)
                {
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
