using System.Text;
using System.Text.RegularExpressions;

namespace Remediation.Core.Tests.Probes;

/// <summary>
/// An IMAP conversation as a file: <c>S: </c> lines the server sent, <c>C: </c> lines the client sent, in order,
/// normalised so a capture from the lab's Dovecot is the same text every time (tags as <c>{tag}</c>, the
/// credentials of AUTHENTICATE dropped, Dovecot's timings and UIDVALIDITY fixed). Captured by
/// tests/Remediation.EndToEnd.Tests/Probes/TranscriptCaptureTests.cs; replayed strictly by TranscriptStream.
/// Linked into both test projects.
/// </summary>
internal static partial class Transcript
{
    /// <summary>One line of the conversation: who said it and what (normalised).</summary>
    public sealed record Line(bool FromClient, string Text);

    /// <summary>Normalises a client command line (tag removed) or a server line (the command's tag made {tag}).</summary>
    public static Line Normalise(bool fromClient, string line, string? tag)
    {
        if (fromClient)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var text = space > 0 ? line[(space + 1)..] : line;
            return new(true, Credentials().Replace(text, "AUTHENTICATE $1"));
        }

        var server = tag is not null && line.StartsWith(tag + " ", StringComparison.Ordinal) ? "{tag}" + line[tag.Length..] : line;
        server = tag is null ? server : server.Replace($"(TAG \"{tag}\")", "(TAG \"{tag}\")", StringComparison.Ordinal);
        server = Timings().Replace(server, "(0.000 + 0.000 secs)");
        return new(false, UidValidity().Replace(server, "[UIDVALIDITY 1]"));
    }

    /// <summary>The file's text.</summary>
    public static string Write(string header, IEnumerable<Line> lines)
    {
        var text = new StringBuilder();
        foreach (var headerLine in header.Split('\n'))
        {
            text.Append("# ").Append(headerLine.TrimEnd()).Append('\n');
        }

        foreach (var line in lines)
        {
            text.Append(line.FromClient ? "C: " : "S: ").Append(line.Text).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The greeting and each command with the reply it got, as TranscriptStream plays them.</summary>
    public static (string Greeting, (string Command, string Reply)[] Replies) Read(string text)
    {
        var lines = text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var greeting = new StringBuilder();
        var replies = new List<(string Command, StringBuilder Reply)>();
        foreach (var line in lines)
        {
            var said = line[3..];
            if (line.StartsWith("C: ", StringComparison.Ordinal))
            {
                replies.Add((said, new StringBuilder()));
            }
            else
            {
                (replies.Count == 0 ? greeting : replies[^1].Reply).Append(said).Append("\r\n");
            }
        }

        return (greeting.ToString(), [.. replies.Select(r => (r.Command, r.Reply.ToString()))]);
    }

    [GeneratedRegex(@"^AUTHENTICATE (\S+) .*$")]
    private static partial Regex Credentials();

    [GeneratedRegex(@"\(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)")]
    private static partial Regex Timings();

    [GeneratedRegex(@"\[UIDVALIDITY \d+\]")]
    private static partial Regex UidValidity();
}
