using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Remediation.AgentApi;

/// <summary>
/// The request signature both sides compute: HMAC-SHA256 over method, path, query, timestamp, nonce, idempotency key
/// and the body's SHA-256, keyed by a shared secret named by a key ID (so keys rotate without downtime). The agent
/// signs its answer with the same key, bound to the request's nonce, so the engine acts only on what the agent said.
/// </summary>
public static class AgentSignature
{
    /// <summary>Why the agent refuses a request (401): fixed texts, so the engine can show them from an unsigned 401.</summary>
    public static class Refusal
    {
        /// <summary>No signature headers.</summary>
        public const string NotSigned = "The request is not signed.";

        /// <summary>Timestamp missing or outside Agent:ClockSkew.</summary>
        public const string ClockSkew = "The request timestamp is missing or outside the allowed clock skew.";

        /// <summary>Nonce length.</summary>
        public const string Nonce = "The nonce must be 16 to 128 characters.";

        /// <summary>More than one Idempotency-Key.</summary>
        public const string OneIdempotencyKey = "One Idempotency-Key at most.";

        /// <summary>Unknown key ID or wrong HMAC (one answer for both).</summary>
        public const string BadSignature = "Bad signature.";

        /// <summary>A nonce seen before.</summary>
        public const string Replayed = "Replayed request: this nonce was already used.";

        /// <summary>Every refusal text.</summary>
        public static IReadOnlyList<string> All { get; } = [NotSigned, ClockSkew, Nonce, OneIdempotencyKey, BadSignature, Replayed];
    }

    /// <summary>Header: the key ID.</summary>
    public const string KeyIdHeader = "X-Agent-Key-Id";

    /// <summary>Header: Unix time in seconds.</summary>
    public const string TimestampHeader = "X-Agent-Timestamp";

    /// <summary>Header: a fresh random value per request (replay protection).</summary>
    public const string NonceHeader = "X-Agent-Nonce";

    /// <summary>Header: base64 HMAC.</summary>
    public const string SignatureHeader = "X-Agent-Signature";

    /// <summary>Header: a step's idempotency key: a repeat returns the recorded answer instead of acting again.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Smallest accepted key.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>Header on an answer: the agent's signature over <see cref="CanonicalResponse"/>.</summary>
    public const string ResponseSignatureHeader = "X-Agent-Response-Signature";

    /// <summary>The canonical text of a request that is signed (the idempotency key included: it decides what is done).</summary>
    public static string Canonical(string method, string path, string query, long timestamp, string nonce, string? idempotencyKey, ReadOnlySpan<byte> body) =>
        string.Join('\n',
            method.ToUpperInvariant(),
            path,
            query,
            timestamp.ToString(CultureInfo.InvariantCulture),
            nonce,
            idempotencyKey ?? "",
            Convert.ToHexStringLower(SHA256.HashData(body)));

    /// <summary>The canonical text of an answer: its status, content type and body, bound to the request's nonce (an old answer cannot be replayed).</summary>
    public static string CanonicalResponse(int status, string requestNonce, string? contentType, ReadOnlySpan<byte> body) =>
        string.Join('\n',
            "response",
            status.ToString(CultureInfo.InvariantCulture),
            requestNonce,
            contentType ?? "",
            Convert.ToHexStringLower(SHA256.HashData(body)));

    /// <summary>The signature of <paramref name="canonical"/> under <paramref name="key"/>.</summary>
    public static string Sign(byte[] key, string canonical) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical)));

    /// <summary>Constant-time comparison of a received signature with the expected one.</summary>
    public static bool Verify(byte[] key, string canonical, string signature)
    {
        Span<byte> received = stackalloc byte[64];
        if (!Convert.TryFromBase64String(signature, received, out var length) || length != 32)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(received[..length], HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical)));
    }
}
