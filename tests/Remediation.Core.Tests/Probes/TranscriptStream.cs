using System.Text;

namespace Remediation.Core.Tests.Probes;

/// <summary>
/// An IMAP server played from a transcript, in the manner of MailKit's own replay tests: the greeting is sent at once,
/// each client command is answered by the first scripted reply whose command it starts with, and <c>{tag}</c> in a
/// reply becomes the command's tag. Strict: a command no reply is scripted for is answered BAD and kept in
/// <see cref="Unexpected"/>, and <see cref="AssertPlayedThrough"/> fails on it or on a scripted command never sent, so
/// a probe that stops sending a command, or starts sending another, fails its transcript test. A reply of <see cref="Silence"/> never answers (a server that
/// hangs mid-command); <see cref="Hangup"/> closes the connection.
/// </summary>
internal sealed class TranscriptStream(string greeting, params (string Command, string Reply)[] replies) : Stream
{
    public const string Silence = "<silence>";
    public const string Hangup = "<hangup>";

    readonly Queue<byte> pending = new(Encoding.ASCII.GetBytes(greeting));
    readonly SemaphoreSlim answered = new(0);
    readonly StringBuilder command = new();
    bool closed;
    bool silent;

    /// <summary>Every command the client sent, without tags (credentials included: only tests see them).</summary>
    public List<string> Commands { get; } = [];

    /// <summary>Commands no reply was scripted for.</summary>
    public List<string> Unexpected { get; } = [];

    /// <summary>Fails unless every scripted command was sent and nothing else was.</summary>
    public void AssertPlayedThrough()
    {
        Assert.True(Unexpected.Count == 0, $"Commands the transcript does not script: {string.Join(" | ", Unexpected)}");
        var missing = replies.Where(r => !Commands.Any(c => c.StartsWith(r.Command, StringComparison.OrdinalIgnoreCase))).Select(r => r.Command).ToList();
        Assert.True(missing.Count == 0, $"Scripted commands the probe never sent: {string.Join(" | ", missing)}; it sent: {string.Join(" | ", Commands)}");
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (pending)
            {
                if (pending.Count > 0)
                {
                    var n = Math.Min(buffer.Length, pending.Count);
                    for (var i = 0; i < n; i++)
                    {
                        buffer.Span[i] = pending.Dequeue();
                    }

                    return n;
                }

                if (closed)
                {
                    return 0;
                }
            }

            if (silent)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            await answered.WaitAsync(cancellationToken);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count)
    {
        command.Append(Encoding.ASCII.GetString(buffer, offset, count));
        int end;
        while ((end = command.ToString().IndexOf("\r\n", StringComparison.Ordinal)) >= 0)
        {
            var line = command.ToString(0, end);
            command.Remove(0, end + 2);
            Answer(line);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.ToArray(), 0, buffer.Length);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    void Answer(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var (tag, text) = space > 0 ? (line[..space], line[(space + 1)..]) : (line, "");
        Commands.Add(text);
        var reply = replies.FirstOrDefault(r => text.StartsWith(r.Command, StringComparison.OrdinalIgnoreCase)).Reply;
        if (reply is null)
        {
            Unexpected.Add(text);
            reply = "{tag} BAD Unexpected command.\r\n";
        }

        lock (pending)
        {
            if (reply == Silence)
            {
                silent = true;
            }
            else if (reply == Hangup)
            {
                closed = true;
            }
            else
            {
                foreach (var b in Encoding.ASCII.GetBytes(reply.Replace("{tag}", tag, StringComparison.Ordinal)))
                {
                    pending.Enqueue(b);
                }

                closed |= text.StartsWith("LOGOUT", StringComparison.OrdinalIgnoreCase);
            }
        }

        answered.Release();
    }
}
