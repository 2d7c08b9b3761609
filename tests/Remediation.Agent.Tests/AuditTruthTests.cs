using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Remediation.Agent.Audit;
using Remediation.AgentApi;

namespace Remediation.Agent.Tests;

/// <summary>The audit says what really happened, survives a flood, rotates, and is read a page at a time.</summary>
[Collection(nameof(AgentCollection))]
public sealed class AuditTruthTests(AgentFixture agent)
{
    static AuditEntry Entry(DateTimeOffset at, int i, string? keyId = "k1", int status = 200) =>
        new(at, keyId, "GET", $"/api/v1/e/{i}", null, null, new Dictionary<string, string>(), status, status == 200 ? "Succeeded" : "Refused: The request is not signed.", 1, null);

    [Fact]
    public async Task A_flood_of_unauthenticated_requests_is_written_up_to_the_limit_then_summarised_in_one_line()
    {
        var directory = Directory.CreateTempSubdirectory("audit-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new AgentOptions { AuditLogPath = Path.Combine(directory, "audit.jsonl"), UnauthenticatedAuditPerMinute = 20 });
        try
        {
            using var audit = new AuditLog(options, time, NullLogger<AuditLog>.Instance);
            for (var i = 0; i < 300; i++)
            {
                await audit.AppendAsync(Entry(time.GetUtcNow(), i, keyId: null, status: 401));
            }

            await audit.AppendAsync(Entry(time.GetUtcNow(), 1000)); // a real request in the middle of the flood is kept
            time.Advance(TimeSpan.FromMinutes(1));
            await audit.AppendAsync(Entry(time.GetUtcNow(), 1001));
            var entries = await audit.ReadAsync(1000, 0, default);
            var noise = await audit.ReadAsync(1000, 0, default, unverified: true);

            Assert.Equal(20, noise.Count(e => e.Path.StartsWith("/api/v1/e/", StringComparison.Ordinal) && e.Status == 401));
            Assert.Equal(["/api/v1/e/1000", "(unverified requests)", "/api/v1/e/1001"], entries.Select(e => e.Path));
            Assert.Equal("280", entries[1].Arguments["Suppressed"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_flood_of_404s_413s_bad_signatures_and_health_checks_over_http_leaves_every_signed_entry_readable()
    {
        // Small logs, so a flood that reached the signed log would push its entries out at once (issue #28: 16,000
        // requests in 4.4 s erased it). The flood is what anyone who reaches the agent can send: no key at all.
        var folder = Directory.CreateTempSubdirectory("audit-flood-").FullName;
        var app = await agent.StartOtherAgentAsync(folder, new Dictionary<string, string?>
        {
            ["Agent:AuditMaxBytes"] = "65536",
            ["Agent:AuditFiles"] = "1",
            ["Agent:UnauthenticatedAuditPerMinute"] = "20",
        });
        try
        {
            var address = new Uri(app.Urls.First());
            var client = agent.Client(address: address);
            var keys = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                keys.Add($"before-the-flood-{i}");
                await client.SetImapSettingsAsync("MBX1", false, keys[^1], default);
            }

            using var http = new HttpClient { BaseAddress = address };
            var longPath = "/" + new string('x', 8000);
            var statuses = new List<HttpStatusCode>();
            await Parallel.ForEachAsync(Enumerable.Range(0, 1500), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                using var request = (i % 5) switch
                {
                    0 => new HttpRequestMessage(HttpMethod.Get, "/healthz"),
                    1 => new HttpRequestMessage(HttpMethod.Get, "/api/v1/servers/MBX1/imap-settings"), // no signature: 401
                    2 => Oversized(), // 413, its connection not reused
                    _ => new HttpRequestMessage(HttpMethod.Get, $"{longPath}{i}"), // 404 outside the API
                };
                HttpStatusCode status;
                try
                {
                    using var answer = await http.SendAsync(request, ct);
                    status = answer.StatusCode;
                }
                catch (HttpRequestException) when (i % 5 == 2)
                {
                    status = HttpStatusCode.RequestEntityTooLarge; // answered 413 and closed while the body was still being sent
                }

                lock (statuses)
                {
                    statuses.Add(status);
                }
            });
            await client.SetImapSettingsAsync("MBX1", false, "after-the-flood", default);

            var signed = await client.GetAuditAsync(10_000, default);
            var noise = await client.GetAuditAsync(10_000, default, unverified: true);

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.RequestEntityTooLarge], statuses.Distinct().Order());
            Assert.Equal([.. keys, "after-the-flood"], signed.Where(e => e.IdempotencyKey is not null && e.Status == 200).Select(e => e.IdempotencyKey));
            Assert.Equal(6, signed.Count(e => e.Status == 102)); // each change's "Started" line survives too
            Assert.DoesNotContain(signed, e => e.Path == "/healthz");
            Assert.DoesNotContain(noise, e => e.Path == "/healthz");
            Assert.InRange(noise.Count, 20, 40); // 20 a minute, the rest counted (the summary line is the unit test's)
            Assert.All(noise, e => Assert.InRange(e.Path.Length, 1, AuditMiddleware.MaxPath + 30));
            Assert.All(Directory.GetFiles(folder, "audit*.jsonl"), f => Assert.True(new FileInfo(f).Length <= 65536, f));
            if (!OperatingSystem.IsWindows())
            {
                foreach (var file in Directory.GetFiles(folder, "audit*.jsonl"))
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                }
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    // A body over the limit with a signature that looks real (so the size is what refuses it): 413.
    static HttpRequestMessage Oversized()
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/servers/MBX1/imap-settings") { Content = new ByteArrayContent(new byte[(1024 * 1024) + 1]) };
        request.Headers.Add(AgentSignature.KeyIdHeader, AgentFixture.KeyId);
        request.Headers.Add(AgentSignature.TimestampHeader, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(AgentSignature.NonceHeader, Guid.NewGuid().ToString("N"));
        request.Headers.Add(AgentSignature.SignatureHeader, Convert.ToBase64String(new byte[32]));
        request.Headers.ConnectionClose = true;
        return request;
    }

    [Fact]
    public async Task The_log_rotates_by_size_keeps_its_files_and_pages_across_them()
    {
        var directory = Directory.CreateTempSubdirectory("audit-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new AgentOptions { AuditLogPath = Path.Combine(directory, "audit.jsonl"), AuditMaxBytes = 64 * 1024, AuditFiles = 3 });
        try
        {
            using var audit = new AuditLog(options, time, NullLogger<AuditLog>.Instance);
            for (var i = 0; i < 2000; i++)
            {
                await audit.AppendAsync(Entry(time.GetUtcNow(), i));
            }

            var files = Directory.GetFiles(directory).Select(Path.GetFileName).Order().ToList();
            var page = await audit.ReadAsync(50, 100, default);
            var newest = await audit.ReadAsync(1, 0, default);

            Assert.Equal(["audit.1.jsonl", "audit.2.jsonl", "audit.3.jsonl", "audit.jsonl"], files);
            Assert.All(Directory.GetFiles(directory), f => Assert.True(new FileInfo(f).Length <= 64 * 1024, f));
            Assert.Equal(Enumerable.Range(1850, 50).Select(i => $"/api/v1/e/{i}"), page.Select(e => e.Path));
            Assert.Equal("/api/v1/e/1999", Assert.Single(newest).Path);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_oversized_request_with_a_bogus_signature_is_a_413_and_audited_as_one()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(agent.Address, "/api/v1/servers/MBX1/imap-settings"));
        request.Headers.Add(AgentSignature.KeyIdHeader, AgentFixture.KeyId);
        request.Headers.Add(AgentSignature.TimestampHeader, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(AgentSignature.NonceHeader, Guid.NewGuid().ToString("N"));
        request.Headers.Add(AgentSignature.SignatureHeader, Convert.ToBase64String(new byte[32]));
        request.Content = new StreamContent(new MemoryStream(new byte[2 * 1024 * 1024])); // no length declared: streamed
        request.Headers.TransferEncodingChunked = true;
        using var http = new HttpClient();

        using var answer = await http.SendAsync(request);
        var audit = await agent.Client().GetAuditAsync(20, default, unverified: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        Assert.Equal(413, audit.Last(e => e.Path == "/api/v1/servers/MBX1/imap-settings" && e.Method == "PUT").Status);
    }
}
