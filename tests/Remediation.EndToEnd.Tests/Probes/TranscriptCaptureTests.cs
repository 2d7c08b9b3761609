using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Core.Tests.Probes;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.EndToEnd.Tests.Probes;

/// <summary>
/// The transcripts the unit tests replay (tests/Remediation.Core.Tests/Probes/Transcripts/) are what the real probes
/// and the lab's real Dovecot say to each other: each probe is run against the lab over plain IMAP on 127.0.0.1 with
/// its conversation recorded, and the normalised recording must equal the checked-in file. When Dovecot or MailKit
/// changes what is said, this fails and writes the new capture beside the build (artifacts/transcripts/); with
/// UPDATE_TRANSCRIPTS=1 it rewrites the checked-in file instead.
/// </summary>
public sealed class TranscriptCaptureTests(LabFixture fixture) : IClassFixture<LabFixture>, IAsyncLifetime
{
    static readonly string Root = typeof(TranscriptCaptureTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public Task InitializeAsync() => fixture.HealAsync();

    public Task DisposeAsync() => fixture.HealAsync();

    [Theory]
    [InlineData("dovecot-ctp-through-proxy", "ImapCTPProbe")]
    [InlineData("dovecot-deep-test", "ImapDeepTestProbe")]
    [InlineData("dovecot-self-test", "ImapSelfTestProbe")]
    public async Task The_checked_in_transcript_is_what_the_probe_and_the_labs_dovecot_really_say(string name, string probeName)
    {
        var recorder = new RecordingTransport();
        var options = new ServiceCollection().AddOptions<ProbeOptions>().Configure(o => o.Timeout = TimeSpan.FromSeconds(10)).Services
            .BuildServiceProvider().GetRequiredService<IOptionsMonitor<ProbeOptions>>();
        IImapProbe probe = probeName switch
        {
            "ImapCTPProbe" => new ImapCtpProbe(TimeProvider.System, options, recorder),
            "ImapDeepTestProbe" => new ImapDeepTestProbe(TimeProvider.System, options, recorder),
            _ => new ImapSelfTestProbe(TimeProvider.System, options, recorder),
        };
        var cas = probeName == "ImapCTPProbe";
        var mailbox = new ProbeMailboxOptions { User = "probe_mbx1", Password = fixture.Lab.Definition.MailboxServers[0].ProbePassword, MailboxServer = "MBX1" };
        var endpoint = new ImapEndpointOptions { Host = "127.0.0.1", Port = cas ? fixture.Lab.ClientAccessServers["CAS1"].ImapPort : fixture.Mbx1.ImapPort, Security = ImapSecurity.None };
        var server = cas
            ? new ExchangeServerOptions { Name = "CAS1", Role = ServerRole.ClientAccess, ProbeMailbox = mailbox, FrontEnd = endpoint }
            : new ExchangeServerOptions { Name = "MBX1", Role = ServerRole.Mailbox, ProbeMailbox = mailbox, BackEnd = endpoint };

        var result = await probe.RunAsync(server, default);

        Assert.True(result.Succeeded, result.Summary);
        var captured = Transcript.Write(
            $"{probeName} against the lab's Dovecot ({(cas ? "CAS1, the proxy in front of MBX1" : "MBX1, the back end")}), plain IMAP on 127.0.0.1.\n" +
            "Captured by tests/Remediation.EndToEnd.Tests/Probes/TranscriptCaptureTests.cs (UPDATE_TRANSCRIPTS=1 rewrites it); do not edit by hand.",
            recorder.Lines);
        Assert.DoesNotContain(fixture.Lab.Definition.MailboxServers[0].ProbePassword, captured, StringComparison.Ordinal);
        var path = Path.Combine(Root, "tests", "Remediation.Core.Tests", "Probes", "Transcripts", $"{name}.txt");
        if (Environment.GetEnvironmentVariable("UPDATE_TRANSCRIPTS") == "1")
        {
            await File.WriteAllTextAsync(path, captured);
        }

        var checkedIn = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
        if (checkedIn != captured)
        {
            var fresh = Path.Combine(Root, "artifacts", "transcripts", $"{name}.txt");
            Directory.CreateDirectory(Path.GetDirectoryName(fresh)!);
            await File.WriteAllTextAsync(fresh, captured);
            Assert.Fail($"The lab's Dovecot and the probe no longer say what {path} says: the new capture is in {fresh} (compare, then copy it, or run with UPDATE_TRANSCRIPTS=1).");
        }
    }

    /// <summary>A plain TCP transport that records every line each side says, in order, normalised.</summary>
    sealed class RecordingTransport : ImapTransport
    {
        public List<Transcript.Line> Lines { get; } = [];

        public override async Task<Stream> OpenAsync(ImapEndpointOptions endpoint, CancellationToken cancellationToken)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
            return new Recording(new NetworkStream(socket, ownsSocket: true), Lines);
        }
    }

    sealed class Recording(Stream inner, List<Transcript.Line> lines) : Stream
    {
        readonly StringBuilder client = new();
        readonly StringBuilder server = new();
        string? tag;

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            Take(server, buffer.Span[..n], fromClient: false);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Take(client, buffer.Span, fromClient: true);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        void Take(StringBuilder pending, ReadOnlySpan<byte> bytes, bool fromClient)
        {
            pending.Append(Encoding.ASCII.GetString(bytes));
            int end;
            while ((end = pending.ToString().IndexOf("\r\n", StringComparison.Ordinal)) >= 0)
            {
                var line = pending.ToString(0, end);
                pending.Remove(0, end + 2);
                if (fromClient)
                {
                    var space = line.IndexOf(' ', StringComparison.Ordinal);
                    tag = space > 0 ? line[..space] : line;
                }

                lock (lines)
                {
                    lines.Add(Transcript.Normalise(fromClient, line, tag));
                }
            }
        }
    }
}
