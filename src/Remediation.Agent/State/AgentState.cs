using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Remediation.Agent.State;

/// <summary>
/// What the agent must not forget when it restarts, in one SQLite file (<see cref="AgentOptions.StatePath"/>): the
/// nonces of signed requests it has accepted (a captured request replayed after a restart is still a replay) and the
/// answers given under each idempotency key (the engine's retry after a restart gets the first answer; an operation
/// that was under way when the agent stopped is never started again under the same key).
/// </summary>
public sealed class AgentState : IDisposable
{
    readonly Lock gate = new();
    readonly SqliteConnection connection;
    int writesSincePurge;

    /// <summary>Opens (creating if needed) the state file.</summary>
    public AgentState(IOptions<AgentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Path.GetFullPath(options.Value.StatePath, AppContext.BaseDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!OperatingSystem.IsWindows())
        {
            // Accepted nonces and recorded answers are the agent's alone: 0600, tightened on an older file too. SQLite
            // creates the -wal and -shm files with the database file's permissions (its unix VFS, findCreateFileMode).
            const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (File.Exists(path))
            {
                File.SetUnixFileMode(path, OwnerOnly);
            }
            else
            {
                using var created = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly });
            }
        }

        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        connection.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS nonces (key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (key_id, nonce)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS answers (
                key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
                status INTEGER, content_type TEXT, body BLOB, expires INTEGER NOT NULL);
            """);
    }

    /// <summary>What a claim on an idempotency key found.</summary>
    public enum Claim
    {
        /// <summary>New: the caller runs the operation and records its answer.</summary>
        Claimed,

        /// <summary>Answered before: <see cref="StoredAnswer"/> is returned.</summary>
        Answered,

        /// <summary>The key belongs to a different request.</summary>
        OtherRequest,

        /// <summary>Started earlier (before a restart, or abandoned) with no answer: its outcome is unknown.</summary>
        Unknown,
    }

    /// <summary>True the first time (<paramref name="keyId"/>, <paramref name="nonce"/>) is seen before it expires.</summary>
    public bool TryUseNonce(string keyId, string nonce, DateTimeOffset now, DateTimeOffset expires)
    {
        lock (gate)
        {
            PurgeNow(now);
            using var command = Command("INSERT INTO nonces (key_id, nonce, expires) VALUES ($k, $n, $e) ON CONFLICT DO NOTHING", ("$k", keyId), ("$n", nonce), ("$e", expires.ToUnixTimeMilliseconds()));
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>Claims <paramref name="key"/> for <paramref name="fingerprint"/> (persisted before anything is done).</summary>
    public Claim TryClaim(string key, string fingerprint, DateTimeOffset now, DateTimeOffset expires, out StoredAnswer? answer)
    {
        answer = null;
        lock (gate)
        {
            PurgeNow(now);
            using (var expired = Command("DELETE FROM answers WHERE key = $k AND expires < $now", ("$k", key), ("$now", now.ToUnixTimeMilliseconds())))
            {
                expired.ExecuteNonQuery();
            }

            using var insert = Command(
                "INSERT INTO answers (key, fingerprint, state, expires) VALUES ($k, $f, 'running', $e) ON CONFLICT DO NOTHING", ("$k", key), ("$f", fingerprint), ("$e", expires.ToUnixTimeMilliseconds()));
            if (insert.ExecuteNonQuery() == 1)
            {
                return Claim.Claimed;
            }

            using var read = Command("SELECT fingerprint, state, status, content_type, body FROM answers WHERE key = $k", ("$k", key));
            using var row = read.ExecuteReader();
            row.Read();
            if (row.GetString(0) != fingerprint)
            {
                return Claim.OtherRequest;
            }

            if (row.GetString(1) != "answered")
            {
                return Claim.Unknown;
            }

            answer = new StoredAnswer(row.GetInt32(2), row.IsDBNull(3) ? null : row.GetString(3), (byte[])row.GetValue(4));
            return Claim.Answered;
        }
    }

    /// <summary>Records the answer given under <paramref name="key"/>.</summary>
    public void Answer(string key, StoredAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        lock (gate)
        {
            using var command = Command(
                "UPDATE answers SET state = 'answered', status = $s, content_type = $c, body = $b WHERE key = $k",
                ("$k", key), ("$s", answer.Status), ("$c", (object?)answer.ContentType ?? DBNull.Value), ("$b", answer.Body));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Forgets <paramref name="key"/>: nothing was done under it (an unexpected error before acting), so a retry may act.</summary>
    public void Forget(string key)
    {
        lock (gate)
        {
            using var command = Command("DELETE FROM answers WHERE key = $k AND state = 'running'", ("$k", key));
            command.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public void Dispose() => connection.Dispose();

    // Expired rows go every few hundred writes: the file stays the size of one window's traffic.
    void PurgeNow(DateTimeOffset now)
    {
        if (++writesSincePurge < 500)
        {
            return;
        }

        writesSincePurge = 0;
        using var command = Command("DELETE FROM nonces WHERE expires < $now; DELETE FROM answers WHERE expires < $now;", ("$now", now.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    }

    void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}

/// <summary>An answer as it was sent: status, content type and body bytes; replayed byte for byte.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="ContentType">Content type, if any.</param>
/// <param name="Body">The body.</param>
public sealed record StoredAnswer(int Status, string? ContentType, byte[] Body) : IResult, IStatusCodeHttpResult
{
    /// <inheritdoc />
    int? IStatusCodeHttpResult.StatusCode => Status;

    /// <summary>Whether the answer says what happened (success, refusal, a cmdlet's own failure), so it may be kept and replayed.</summary>
    public bool IsDefinite => Status is < 500 or StatusCodes.Status502BadGateway;

    /// <summary>Runs <paramref name="result"/> into memory to keep it.</summary>
    public static async Task<StoredAnswer> CaptureAsync(IResult result, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(result);
        var context = new DefaultHttpContext { RequestServices = services };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return new StoredAnswer(context.Response.StatusCode, context.Response.ContentType, body.ToArray());
    }

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = Status;
        if (ContentType is not null)
        {
            httpContext.Response.ContentType = ContentType;
        }

        await httpContext.Response.Body.WriteAsync(Body);
    }
}
