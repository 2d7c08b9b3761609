using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Remediation.AgentApi;

namespace Remediation.Exchange;

/// <summary>
/// Signs every request to the agent (see <see cref="AgentSignature"/>): key ID, timestamp, fresh nonce, idempotency
/// key, HMAC; and refuses every answer the agent did not sign for that request (a tampered or substituted answer must
/// never drive a safety decision). An unsigned 401 passes: it only says no; its text is kept only when it is one of the
/// agent's own fixed refusals (a clock skew is worth seeing), anything else whoever answers on the agent's path wrote is
/// replaced, so no outside text reaches the engine's logs or the run.
/// </summary>
public sealed class AgentSigningHandler(IOptionsMonitor<AgentClientOptions> options, TimeProvider time) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var uri = request.RequestUri!;
        var idempotencyKey = request.Headers.TryGetValues(AgentSignature.IdempotencyHeader, out var keys) ? keys.Single() : null;
        var canonical = AgentSignature.Canonical(request.Method.Method, uri.AbsolutePath, uri.Query, timestamp, nonce, idempotencyKey, body);
        var key = Convert.FromBase64String(settings.Key);
        request.Headers.Remove(AgentSignature.SignatureHeader);
        request.Headers.Add(AgentSignature.KeyIdHeader, settings.KeyId);
        request.Headers.Add(AgentSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(AgentSignature.NonceHeader, nonce);
        request.Headers.Add(AgentSignature.SignatureHeader, AgentSignature.Sign(key, canonical));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            return await WithKnownRefusalOnlyAsync(response, cancellationToken);
        }

        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var signature = response.Headers.TryGetValues(AgentSignature.ResponseSignatureHeader, out var values) ? values.FirstOrDefault() : null;
        var expected = AgentSignature.CanonicalResponse((int)response.StatusCode, nonce, response.Content.Headers.ContentType?.ToString(), answer);
        if (signature is null || !AgentSignature.Verify(key, expected, signature))
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new AgentAnswerRejectedException($"The answer to {request.Method} {uri.AbsolutePath} (HTTP {status}) is not signed by the agent for this request: refused, nothing is decided on it.");
        }

        return response;
    }

    static async Task<HttpResponseMessage> WithKnownRefusalOnlyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var detail = "";
        try
        {
            using var problem = System.Text.Json.JsonDocument.Parse(text);
            detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
        }
        catch (System.Text.Json.JsonException)
        {
            // Not the agent's problem details.
        }

        var known = AgentSignature.Refusal.All.Contains(detail, StringComparer.Ordinal);
        response.Content = System.Net.Http.Json.JsonContent.Create(new
        {
            title = "Request not authenticated",
            status = 401,
            detail = known ? detail : "Refused (401) by the agent or whatever answers on its path; the answer is unsigned, so its text is not shown.",
        });
        return response;
    }
}

/// <summary>An answer that did not come from the agent (tampered in transit, or another server answering).</summary>
public sealed class AgentAnswerRejectedException(string message) : HttpRequestException(message);
