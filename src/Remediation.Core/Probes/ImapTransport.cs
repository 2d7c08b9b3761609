using System.Net.Sockets;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>
/// How a probe reaches an IMAP endpoint: a TCP connection (through the Hybrid Connection in Azure). The seam that lets
/// fast tests replay recorded IMAP transcripts through the real probes and their failure classification.
/// </summary>
public class ImapTransport
{
    /// <summary>Opens the byte stream to <paramref name="endpoint"/> (TLS, greeting and IMAP happen over it afterwards).</summary>
    public virtual async Task<Stream> OpenAsync(ImapEndpointOptions endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
