using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Remediation.AgentApi;

namespace Remediation.Agent.Tests;

[Collection(nameof(AgentCollection))]
public sealed class AuthenticationTests(AgentFixture agent)
{
    const string Path = "/api/v1/servers/MBX1/imap-settings";

    HttpRequestMessage Signed(string? keyId = null, string? key = null, long? timestamp = null, string? nonce = null, string? signatureOverride = null, string body = "") =>
        Sign(agent.Address, HttpMethod.Get, Path, keyId, key, timestamp, nonce, signatureOverride, body);

    /// <summary>A request signed as the engine signs it (tests change what they attack afterwards).</summary>
    internal static HttpRequestMessage Sign(Uri agentAddress, HttpMethod method, string path, string? keyId = null, string? key = null, long? timestamp = null, string? nonce = null, string? signatureOverride = null, string body = "", string? idempotencyKey = null)
    {
        var ts = timestamp ?? TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        nonce ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var canonical = AgentSignature.Canonical(method.Method, path, "", ts, nonce, idempotencyKey, Encoding.UTF8.GetBytes(body));
        var request = new HttpRequestMessage(method, new Uri(agentAddress, path));
        if (idempotencyKey is not null)
        {
            request.Headers.Add(AgentSignature.IdempotencyHeader, idempotencyKey);
        }

        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add(AgentSignature.KeyIdHeader, keyId ?? AgentFixture.KeyId);
        request.Headers.Add(AgentSignature.TimestampHeader, ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(AgentSignature.NonceHeader, nonce);
        request.Headers.Add(AgentSignature.SignatureHeader, signatureOverride ?? AgentSignature.Sign(Convert.FromBase64String(key ?? AgentFixture.Key), canonical));
        return request;
    }

    static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request)
    {
        using var http = new HttpClient();
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_correctly_signed_request_is_served()
    {
        var (status, body) = await SendAsync(Signed());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"protocolLogEnabled\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_requests_are_refused()
    {
        var before = agent.Executions.Calls;

        var (status, body) = await SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(agent.Address, "/api/v1/servers/MBX1/restart")));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("The request is not signed.", body, StringComparison.Ordinal);
        Assert.Equal(before, agent.Executions.Calls);
    }

    [Fact]
    public async Task A_wrong_signature_is_refused()
    {
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        var (status, body) = await SendAsync(Signed(key: wrongKey));
        var (garbled, _) = await SendAsync(Signed(signatureOverride: "not-base64!"));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (status, garbled));
        Assert.Contains("Bad signature.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_key_id_is_refused_with_the_same_answer_as_a_wrong_signature()
    {
        var (status, body) = await SendAsync(Signed(keyId: "retired"));
        var (_, stale) = await SendAsync(Signed(keyId: "retired", timestamp: TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 3600));
        var (_, staleKnown) = await SendAsync(Signed(timestamp: TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 3600));

        // Nothing in the answer tells a key ID that exists from one that does not.
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("Bad signature.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("key", body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Detail(staleKnown), Detail(stale));
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_refused_with_413_and_audited_as_such()
    {
        var request = Signed(body: "");
        request.Method = HttpMethod.Put;
        request.Content = new ByteArrayContent(new byte[(1024 * 1024) + 1]);

        // The agent answers 413 as soon as it reads the declared length and closes: a client still sending the body may
        // see the connection cut (broken pipe) before the answer. Either way the audit says what happened.
        HttpStatusCode? status;
        try
        {
            (status, _) = await SendAsync(request);
        }
        catch (HttpRequestException)
        {
            status = null;
        }

        var audit = await agent.Client().GetAuditAsync(1000, default, unverified: true); // refused before the key was verified

        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"{status}");
        Assert.Contains(audit, e => e.Status == 413 && e.Path == Path && e.Outcome.StartsWith("Refused: The body is larger than", StringComparison.Ordinal));
    }

    static string Detail(string problem) => System.Text.Json.JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString()!;

    [Theory]
    [InlineData(-600)]
    [InlineData(600)]
    public async Task A_request_outside_the_clock_skew_window_is_refused(int offsetSeconds)
    {
        var (status, body) = await SendAsync(Signed(timestamp: TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() + offsetSeconds));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("outside the allowed clock skew", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_request_is_refused_the_second_time()
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();

        var first = await SendAsync(Signed(timestamp: timestamp, nonce: nonce));
        var replay = await SendAsync(Signed(timestamp: timestamp, nonce: nonce));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.Status);
        Assert.Contains("Replayed request", replay.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_requests_are_in_the_audit_log_too()
    {
        await SendAsync(Signed(keyId: "intruder"));

        var audit = await agent.Client().GetAuditAsync(1000, default);
        var unverified = await agent.Client().GetAuditAsync(1000, default, unverified: true);

        // Signed entries and noise live apart: nobody without a key can push a signed entry out.
        Assert.Contains(unverified, e => e.Status == 401 && e.Outcome == "Refused: Bad signature." && e.Path == Path);
        Assert.All(unverified, e => Assert.Null(e.KeyId));
        Assert.Contains(audit, e => e.Status == 200 && e.KeyId == AgentFixture.KeyId && e.Operation == "GetImapSettings" && e.Server == "MBX1");
        Assert.All(audit.Where(e => e.Method != "-"), e => Assert.NotNull(e.KeyId));
    }

    [Fact]
    public async Task The_signing_key_never_appears_in_the_audit_log()
    {
        await agent.Client().GetImapSettingsAsync("MBX1", default);

        Assert.DoesNotContain(AgentFixture.Key, await File.ReadAllTextAsync(agent.AuditPath), StringComparison.Ordinal);
    }
}
