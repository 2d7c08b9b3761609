using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Remediation.Operators;

/// <summary>
/// A JSON answer with a strong ETag of its bytes; 304 when the client already has them: what the routes the console
/// polls every 2 s (runs, health) answer, so an unchanged answer costs no body.
/// </summary>
public sealed class TaggedJson(byte[] body) : IResult
{
    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}\"";
        httpContext.Response.Headers.ETag = etag;
        httpContext.Response.Headers.CacheControl = "no-cache";
        if (httpContext.Request.Headers.IfNoneMatch.Contains(etag))
        {
            httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        httpContext.Response.ContentType = "application/json; charset=utf-8";
        await httpContext.Response.Body.WriteAsync(body);
    }
}
