using System.Text.Json;
using Microsoft.Extensions.Options;
using Remediation.Agent.Security;
using Remediation.AgentApi;

namespace Remediation.Agent.Audit;

/// <summary>The agent's append-only audit log: one JSON line per request, refused ones included.</summary>
public sealed class AuditLog(IOptions<AgentOptions> options) : IDisposable
{
    static readonly JsonSerializerOptions Json = JsonDefaults.Options;
    readonly SemaphoreSlim gate = new(1, 1);
    readonly string path = Path.GetFullPath(options.Value.AuditLogPath);

    /// <summary>Appends one entry (flushed before the response completes).</summary>
    public async Task AppendAsync(AuditEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, Json) + "\n";
        await gate.WaitAsync();
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.AppendAllTextAsync(path, line);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => gate.Dispose();

    /// <summary>The last <paramref name="top"/> entries, newest last.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(int top, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var lines = await File.ReadAllLinesAsync(path, cancellationToken);
        return [.. lines.TakeLast(top).Select(l => JsonSerializer.Deserialize<AuditEntry>(l, Json)!)];
    }
}
