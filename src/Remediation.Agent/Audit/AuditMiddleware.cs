using Remediation.AgentApi;

namespace Remediation.Agent.Audit;

/// <summary>
/// Writes every request to the audit log after it is answered: who, what, on which server, with what result. The
/// liveness probe (<c>/healthz</c>) is not audited; paths are cut to <see cref="MaxPath"/> characters (anyone can send
/// an 8 KB one).
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditLog audit, TimeProvider time)
{
    /// <summary>The longest path written to the audit.</summary>
    public const int MaxPath = 256;

    /// <summary>Times the request, then records it whatever happened.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals("/healthz", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var started = time.GetTimestamp();
        Exception? failure = null;
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            // The exception handler outside answers 500 after this line is written: record what the caller gets.
            failure = ex;
            throw;
        }
        finally
        {
            var seen = context.Audit();
            // A caller that hung up got nothing: 499, with what the handler knew (the operation may go on without it). An
            // answer already on its way was given, even if the caller closed the connection right after it.
            var hungUp = context.RequestAborted.IsCancellationRequested && (failure is OperationCanceledException || (failure is null && !context.Response.HasStarted));
            var status = hungUp ? Operations.OperationGate.CallerHungUp : failure is null ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
            if (failure is not null && !hungUp)
            {
                seen.Outcome = $"Failed: unexpected {failure.GetType().Name}";
            }

            seen.Outcome ??= hungUp ? "The caller hung up before the answer" : null;

            await audit.AppendAsync(new AuditEntry(
                time.GetUtcNow(),
                seen.KeyId,
                context.Request.Method,
                context.Request.Path.Value is { Length: > MaxPath } path ? $"{path[..MaxPath]}... ({path.Length} characters)" : context.Request.Path.Value ?? "/",
                seen.Operation?.ToString(),
                seen.Server,
                seen.Arguments ?? new Dictionary<string, string>(),
                status,
                seen.Outcome ?? (status < 400 ? "Succeeded" : status >= 500 ? $"Failed: HTTP {status}" : $"HTTP {status}"),
                time.GetElapsedTime(started).TotalMilliseconds,
                context.Request.Headers[AgentSignature.IdempotencyHeader].FirstOrDefault()));
        }
    }
}
