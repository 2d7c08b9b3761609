using Remediation.Agent.Audit;
using Remediation.AgentApi;

namespace Remediation.Agent.Security;

/// <summary>Writes every request to the audit log after it is answered: who, what, on which server, with what result.</summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditLog audit, TimeProvider time)
{
    /// <summary>The operation the handler recognised.</summary>
    public const string OperationItem = "agent.operation";

    /// <summary>The server the handler recognised.</summary>
    public const string ServerItem = "agent.server";

    /// <summary>The arguments, as passed to Exchange (never secrets: the agent takes none).</summary>
    public const string ArgumentsItem = "agent.arguments";

    /// <summary>How it ended, in words.</summary>
    public const string OutcomeItem = "agent.outcome";

    /// <summary>Times the request, then records it whatever happened.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var items = context.Items;
            var status = context.Response.StatusCode;
            await audit.AppendAsync(new AuditEntry(
                time.GetUtcNow(),
                items[SignatureMiddleware.KeyIdItem] as string,
                context.Request.Method,
                context.Request.Path.Value ?? "/",
                (items[OperationItem] as AgentOperation?)?.ToString(),
                items[ServerItem] as string,
                items[ArgumentsItem] as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>(),
                status,
                items[OutcomeItem] as string ?? (status < 400 ? "Succeeded" : $"HTTP {status}"),
                time.GetElapsedTime(started).TotalMilliseconds,
                context.Request.Headers[AgentSignature.IdempotencyHeader].FirstOrDefault()));
        }
    }
}
