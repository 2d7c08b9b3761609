using System.Text;
using Remediation.Probes;

namespace Remediation.Core.Tests.Probes;

public class ServerResponseRecorderTests
{
    static ServerResponseRecorder Recorded(params string[] lines)
    {
        var recorder = new ServerResponseRecorder();
        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
            recorder.LogServer(bytes, 0, bytes.Length);
        }

        return recorder;
    }

    [Theory]
    [InlineData("A1 NO [UNAVAILABLE] Account is temporarily unavailable.", "UNAVAILABLE")]
    [InlineData("A1 NO [AUTHENTICATIONFAILED] Authentication failed.", "AUTHENTICATIONFAILED")]
    [InlineData("A2 BAD [PARSE] what", "PARSE")]
    [InlineData("A1 OK [CAPABILITY IMAP4rev1] Logged in", null)]
    [InlineData("* BYE [UNAVAILABLE] going", null)]
    public void Reads_the_response_code_of_the_last_tagged_failure(string line, string? code) =>
        Assert.Equal(code, Recorded("* OK [CAPABILITY IMAP4rev1] ready", line).LastResponseCode);

    [Fact]
    public void Client_lines_are_never_kept()
    {
        var recorder = Recorded("* OK ready");
        var secret = Encoding.UTF8.GetBytes("A1 LOGIN probe S3cret!\r\n");

        recorder.LogClient(secret, 0, secret.Length);

        // Had the client line been kept, it would be the last tagged line.
        Assert.Null(recorder.LastTaggedLine);
    }
}
