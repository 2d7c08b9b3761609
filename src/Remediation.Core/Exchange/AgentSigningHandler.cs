using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Remediation.AgentApi;

namespace Remediation.Exchange;

/// <summary>Signs every request to the agent (see <see cref="AgentSignature"/>): key ID, timestamp, fresh nonce, HMAC.</summary>
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
        var canonical = AgentSignature.Canonical(request.Method.Method, uri.AbsolutePath, uri.Query, timestamp, nonce, body);
        request.Headers.Remove(AgentSignature.SignatureHeader);
        request.Headers.Add(AgentSignature.KeyIdHeader, settings.KeyId);
        request.Headers.Add(AgentSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(AgentSignature.NonceHeader, nonce);
        request.Headers.Add(AgentSignature.SignatureHeader, AgentSignature.Sign(Convert.FromBase64String(settings.Key), canonical));
        return await base.SendAsync(request, cancellationToken);
    }
}
