using System.Net;
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
            using var audit = new AuditLog(options, time);
            for (var i = 0; i < 300; i++)
            {
                await audit.AppendAsync(Entry(time.GetUtcNow(), i, keyId: null, status: 401));
            }

            await audit.AppendAsync(Entry(time.GetUtcNow(), 1000)); // a real request in the middle of the flood is kept
            time.Advance(TimeSpan.FromMinutes(1));
            await audit.AppendAsync(Entry(time.GetUtcNow(), 1001));
            var entries = await audit.ReadAsync(1000, 0, default);

            Assert.Equal(20, entries.Count(e => e.Path.StartsWith("/api/v1/e/", StringComparison.Ordinal) && e.Status == 401));
            Assert.Contains(entries, e => e.Path == "/api/v1/e/1000" && e.Status == 200);
            var summary = Assert.Single(entries, e => e.Path == "(unauthenticated requests)");
            Assert.Equal("280", summary.Arguments["Suppressed"]);
            Assert.Equal("/api/v1/e/1001", entries[^1].Path);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_log_rotates_by_size_keeps_its_files_and_pages_across_them()
    {
        var directory = Directory.CreateTempSubdirectory("audit-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new AgentOptions { AuditLogPath = Path.Combine(directory, "audit.jsonl"), AuditMaxBytes = 64 * 1024, AuditFiles = 3 });
        try
        {
            using var audit = new AuditLog(options, time);
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
        var audit = await agent.Client().GetAuditAsync(20, default);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        Assert.Equal(413, audit.Last(e => e.Path == "/api/v1/servers/MBX1/imap-settings" && e.Method == "PUT").Status);
    }
}
