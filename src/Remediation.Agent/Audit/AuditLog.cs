using System.Text.Json;
using Microsoft.Extensions.Options;
using Remediation.AgentApi;

namespace Remediation.Agent.Audit;

/// <summary>
/// The agent's append-only audit log: one JSON line per request, refused ones included, with the status the caller
/// really got. Requests from a verified key (signed, fresh, not replayed) are written to the audit log itself; every
/// other request, whatever its status or path (a 401, a 404 outside the API, a 413), is noise anyone who reaches the
/// agent can make, so it goes to a log of its own (<c>agent-audit.unverified.jsonl</c>) with its own rotation, at most
/// <see cref="AgentOptions.UnauthenticatedAuditPerMinute"/> a minute, the rest counted in one summary line in the
/// audit log: a flood can neither fill the disk nor push one signed entry out. Each log rotates by size
/// (<see cref="AgentOptions.AuditMaxBytes"/>, keeping <see cref="AgentOptions.AuditFiles"/> older files); a signed log
/// rotating more than once an hour is logged as a warning. Files are created readable by the agent's account only
/// (mode 0600 on Unix; on Windows the folder's ACL, see docs/agent.md). Reads are paged and hold only the page in memory.
/// </summary>
public sealed partial class AuditLog(IOptions<AgentOptions> options, TimeProvider time, ILogger<AuditLog> logger) : IDisposable
{
    static readonly JsonSerializerOptions Json = JsonDefaults.Options;
    readonly SemaphoreSlim gate = new(1, 1);
    readonly AgentOptions settings = options.Value;
    readonly string path = Path.GetFullPath(options.Value.AuditLogPath, AppContext.BaseDirectory);
    DateTimeOffset noiseWindow = DateTimeOffset.MinValue;
    DateTimeOffset? lastRotation;
    int noiseInWindow;
    int suppressed;

    /// <summary>Appends one entry (flushed before the response completes); unverified ones are rate-limited.</summary>
    public async Task AppendAsync(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await gate.WaitAsync();
        try
        {
            var now = time.GetUtcNow();
            if (now - noiseWindow >= TimeSpan.FromMinutes(1))
            {
                if (suppressed > 0)
                {
                    await WriteAsync(path, Summary(now));
                }

                (noiseWindow, noiseInWindow, suppressed) = (now, 0, 0);
            }

            if (entry.KeyId is not null)
            {
                await WriteAsync(path, entry);
            }
            else if (++noiseInWindow > settings.UnauthenticatedAuditPerMinute)
            {
                suppressed++;
            }
            else
            {
                await WriteAsync(UnverifiedPath, entry);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// A page of entries, newest last: the <paramref name="top"/> entries before the newest <paramref name="skip"/>,
    /// across the current and rotated files of the audit log, or with <paramref name="unverified"/> of the log of
    /// requests without a verified key.
    /// </summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(int top, int skip, CancellationToken cancellationToken, bool unverified = false)
    {
        var wanted = top + skip;
        var newestFirst = new List<string>(wanted);
        foreach (var file in Files(unverified ? UnverifiedPath : path).Where(File.Exists))
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

    string UnverifiedPath => Path.ChangeExtension(path, null) + ".unverified" + Path.GetExtension(path);

    AuditEntry Summary(DateTimeOffset now) => new(
        now,
        null,
        "-",
        "(unverified requests)",
        null,
        null,
        new Dictionary<string, string> { ["Since"] = noiseWindow.ToString("O"), ["Suppressed"] = suppressed.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        StatusCodes.Status401Unauthorized,
        $"Not written one by one: {suppressed} more requests without a verified key since {noiseWindow:O} (limit {settings.UnauthenticatedAuditPerMinute} a minute, written to {Path.GetFileName(UnverifiedPath)})",
        0,
        null);

    async Task WriteAsync(string file, AuditEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, Json) + "\n";
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        if (File.Exists(file) && new FileInfo(file).Length + line.Length > settings.AuditMaxBytes)
        {
            Rotate(file);
            if (file == path)
            {
                var now = time.GetUtcNow();
                if (lastRotation is { } last && now - last < TimeSpan.FromHours(1))
                {
                    LogRotatingHot(logger, path, now - last, settings.AuditFiles);
                }

                lastRotation = now;
            }
        }

        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(file, options);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line));
    }

    // agent-audit.jsonl -> agent-audit.1.jsonl -> ... -> agent-audit.N.jsonl, the oldest dropped.
    void Rotate(string file)
    {
        var files = Files(file).ToList();
        File.Delete(files[^1]);
        for (var i = files.Count - 2; i >= 0; i--)
        {
            if (File.Exists(files[i]))
            {
                File.Move(files[i], files[i + 1]);
            }
        }
    }

    IEnumerable<string> Files(string file)
    {
        yield return file;
        var stem = Path.Combine(Path.GetDirectoryName(file)!, Path.GetFileNameWithoutExtension(file));
        for (var i = 1; i <= settings.AuditFiles; i++)
        {
            yield return $"{stem}.{i}{Path.GetExtension(file)}";
        }
    }

    [LoggerMessage(LogLevel.Warning, "The audit log {Path} rotated again after {Since}: at this rate its {Files} rotated files hold little history; check who is calling the agent")]
    static partial void LogRotatingHot(ILogger logger, string path, TimeSpan since, int files);

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
