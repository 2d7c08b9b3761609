using System.Text;
using MailKit;

namespace Remediation.Probes;

/// <summary>
/// Keeps the last lines the IMAP server sent, to read response codes that MailKit folds into one exception type
/// ([UNAVAILABLE] vs [AUTHENTICATIONFAILED]). Client lines are never recorded, so no credential can leak from here.
/// </summary>
internal sealed class ServerResponseRecorder : IProtocolLogger
{
    const int Keep = 8;
    readonly Queue<string> lines = new();

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <summary>The IMAP response code of the last tagged NO/BAD line (e.g. UNAVAILABLE), or null.</summary>
    public string? LastResponseCode
    {
        get
        {
            foreach (var line in lines.Reverse())
            {
                var open = line.IndexOf('[', StringComparison.Ordinal);
                if (!line.StartsWith('*') && open > 0 && (line.Contains(" NO ", StringComparison.Ordinal) || line.Contains(" BAD ", StringComparison.Ordinal)))
                {
                    var close = line.IndexOf(']', open);
                    var code = close > open ? line[(open + 1)..close] : null;
                    return code?.Split(' ')[0];
                }
            }

            return null;
        }
    }

    /// <summary>The last tagged response text (server words only).</summary>
    public string? LastTaggedLine => lines.Reverse().FirstOrDefault(l => !l.StartsWith('*') && !l.StartsWith('+'));

    public void LogConnect(Uri uri)
    {
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        foreach (var line in Encoding.UTF8.GetString(buffer, offset, count).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            // Server words reach logs and the console: no control character (a terminal escape) rides along.
            lines.Enqueue(OutsideText.Clean(line, 512));
            if (lines.Count > Keep)
            {
                lines.Dequeue();
            }
        }
    }

    public void Dispose()
    {
    }
}
