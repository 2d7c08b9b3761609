using System.Globalization;
using Microsoft.Extensions.Options;
using Remediation.Agent.Audit;
using Remediation.AgentApi;

namespace Remediation.Agent.Security;

/// <summary>
/// Every /api request must be signed with a known key, within the clock-skew window, with a nonce never seen
/// before (also across restarts). Anything else is a 401 that says which check failed, but never whether a key ID
/// exists: an unknown key and a wrong signature get the same answer. A body over 1 MiB is a 413, read no further.
/// Every answer to a signed request is signed with the same key, bound to the request's nonce.
/// </summary>
public sealed class SignatureMiddleware(RequestDelegate next, IOptionsMonitor<AgentOptions> options, ReplayGuard replay, TimeProvider time)
{
    /// <summary>The largest body the agent reads (its own requests are a few hundred bytes).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    // Verified against when the key ID is unknown, so both cases cost the same HMAC.
    static readonly byte[] NoKey = new byte[32];

    /// <summary>Checks the signature, then calls the rest of the pipeline.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        string? why;
        try
        {
            why = await RefusalAsync(context);
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or InvalidDataException)
        {
            // The body outgrew the buffer's limit, or the client stopped sending it half-way.
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body is larger than {MaxBodyBytes} bytes.");
            return;
        }

        if (why is not null)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Request not authenticated", why);
            return;
        }

        // The answer is written to memory, signed, then sent.
        var key = Convert.FromBase64String(options.CurrentValue.Keys[context.Audit().KeyId!]);
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        var answer = buffer.ToArray();
        var canonical = AgentSignature.CanonicalResponse(context.Response.StatusCode, context.Request.Headers[AgentSignature.NonceHeader].ToString(), context.Response.ContentType, answer);
        context.Response.Headers[AgentSignature.ResponseSignatureHeader] = AgentSignature.Sign(key, canonical);
        context.Response.ContentLength = answer.Length;
        await original.WriteAsync(answer, context.RequestAborted);
    }

    static async Task RefuseAsync(HttpContext context, int status, string title, string why)
    {
        context.Audit().Outcome = $"Refused: {why}";
        await Results.Problem(why, statusCode: status, title: title).ExecuteAsync(context);
    }

    async Task<string?> RefusalAsync(HttpContext context)
    {
        var request = context.Request;
        var settings = options.CurrentValue;
        var keyId = request.Headers[AgentSignature.KeyIdHeader].ToString();
        var signature = request.Headers[AgentSignature.SignatureHeader].ToString();
        var nonce = request.Headers[AgentSignature.NonceHeader].ToString();
        if (keyId.Length == 0 || signature.Length == 0 || nonce.Length == 0)
        {
            return AgentSignature.Refusal.NotSigned;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            throw new InvalidDataException("Declared body too large.");
        }

        if (!long.TryParse(request.Headers[AgentSignature.TimestampHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || Math.Abs(time.GetUtcNow().ToUnixTimeSeconds() - timestamp) > settings.ClockSkew.TotalSeconds)
        {
            return AgentSignature.Refusal.ClockSkew;
        }

        if (nonce.Length is < 16 or > 128)
        {
            return AgentSignature.Refusal.Nonce;
        }

        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: MaxBodyBytes);
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        request.Body.Position = 0;

        // The request target exactly as sent (still percent-encoded), which is what the client signed.
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? $"{request.Path}{request.QueryString}";
        var queryAt = target.IndexOf('?', StringComparison.Ordinal);
        var (path, query) = queryAt < 0 ? (target, "") : (target[..queryAt], target[queryAt..]);
        var idempotencyKey = request.Headers[AgentSignature.IdempotencyHeader];
        if (idempotencyKey.Count > 1)
        {
            return AgentSignature.Refusal.OneIdempotencyKey;
        }

        var canonical = AgentSignature.Canonical(request.Method, path, query, timestamp, nonce, idempotencyKey.FirstOrDefault(), body.ToArray());
        var known = settings.Keys.TryGetValue(keyId, out var encodedKey);
        if (!AgentSignature.Verify(known ? Convert.FromBase64String(encodedKey!) : NoKey, canonical, signature) || !known)
        {
            return AgentSignature.Refusal.BadSignature;
        }

        // Only a correctly signed request consumes its nonce, so nobody can burn another caller's nonces.
        if (!replay.TryUse(keyId, nonce, settings.ClockSkew * 2))
        {
            return AgentSignature.Refusal.Replayed;
        }

        context.Audit().KeyId = keyId;
        return null;
    }
}
