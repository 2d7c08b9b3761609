using System.Text.Json;
using Microsoft.Extensions.Options;
using Remediation.AgentApi;

namespace Remediation.Agent.Audit;

/// <summary>
/// The agent's append-only audit log: one JSON line per request, refused ones included, with the status the caller
/// really got. Rotates by size (<see cref="AgentOptions.AuditMaxBytes"/>, keeping <see cref="AgentOptions.AuditFiles"/>
/// older files); unauthenticated noise beyond <see cref="AgentOptions.UnauthenticatedAuditPerMinute"/> a minute is
/// counted and written as one summary line, so a flood can neither fill the disk nor push real entries out; reads are
/// paged and hold only the page in memory.
/// </summary>
public sealed class AuditLog(IOptions<AgentOptions> options, TimeProvider time) : IDisposable
{
    static readonly JsonSerializerOptions Json = JsonDefaults.Options;
    readonly SemaphoreSlim gate = new(1, 1);
    readonly AgentOptions settings = options.Value;
    readonly string path = Path.GetFullPath(options.Value.AuditLogPath, AppContext.BaseDirectory);
    DateTimeOffset noiseWindow = DateTimeOffset.MinValue;
    int noiseInWindow;
    int suppressed;

    /// <summary>Appends one entry (flushed before the response completes); unauthenticated ones are rate-limited.</summary>
    public async Task AppendAsync(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await gate.WaitAsync();
        try
        {
            var now = time.GetUtcNow();
            var lines = new List<AuditEntry>();
            if (now - noiseWindow >= TimeSpan.FromMinutes(1))
            {
                if (suppressed > 0)
                {
                    lines.Add(Summary(now));
                }

                (noiseWindow, noiseInWindow, suppressed) = (now, 0, 0);
            }

            if (entry.KeyId is null && entry.Status == StatusCodes.Status401Unauthorized && ++noiseInWindow > settings.UnauthenticatedAuditPerMinute)
            {
                suppressed++;
            }
            else
            {
                lines.Add(entry);
            }

            foreach (var line in lines)
            {
                await WriteAsync(JsonSerializer.Serialize(line, Json) + "\n");
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// A page of entries, newest last: the <paramref name="top"/> entries before the newest <paramref name="skip"/>,
    /// across the current and rotated files.
    /// </summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(int top, int skip, CancellationToken cancellationToken)
    {
        var wanted = top + skip;
        var newestFirst = new List<string>(wanted);
        foreach (var file in Files().Where(File.Exists))
        {
            if (newestFirst.Count >= wanted)
            {
                break;
            }

            var tail = await TailAsync(file, wanted - newestFirst.Count, cancellationToken);
            newestFirst.AddRange(tail.Reverse());
        }

        return [.. newestFirst.Skip(skip).Take(top).Reverse().Select(l => JsonSerializer.Deserialize<AuditEntry>(l, Json)!)];
    }

    /// <inheritdoc />
    public void Dispose() => gate.Dispose();

    AuditEntry Summary(DateTimeOffset now) => new(
        now,
        null,
        "-",
        "(unauthenticated requests)",
        null,
        null,
        new Dictionary<string, string> { ["Since"] = noiseWindow.ToString("O"), ["Suppressed"] = suppressed.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        StatusCodes.Status401Unauthorized,
        $"Refused and not written one by one: {suppressed} more unauthenticated requests since {noiseWindow:O} (limit {settings.UnauthenticatedAuditPerMinute} a minute)",
        0,
        null);

    async Task WriteAsync(string line)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path) && new FileInfo(path).Length + line.Length > settings.AuditMaxBytes)
        {
            Rotate();
        }

        await File.AppendAllTextAsync(path, line);
    }

    // agent-audit.jsonl -> agent-audit.1.jsonl -> ... -> agent-audit.N.jsonl, the oldest dropped.
    void Rotate()
    {
        var files = Files().ToList();
        File.Delete(files[^1]);
        for (var i = files.Count - 2; i >= 0; i--)
        {
            if (File.Exists(files[i]))
            {
                File.Move(files[i], files[i + 1]);
            }
        }
    }

    IEnumerable<string> Files()
    {
        yield return path;
        var stem = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path));
        for (var i = 1; i <= settings.AuditFiles; i++)
        {
            yield return $"{stem}.{i}{Path.GetExtension(path)}";
        }
    }

    // The last count lines of a file, streamed: memory holds the page, never the file.
    static async Task<IReadOnlyCollection<string>> TailAsync(string file, int count, CancellationToken cancellationToken)
    {
        var tail = new Queue<string>(count);
        using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (tail.Count == count)
            {
                tail.Dequeue();
            }

            tail.Enqueue(line);
        }

        return tail;
    }
}
