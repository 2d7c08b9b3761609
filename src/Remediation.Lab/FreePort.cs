using System.Net;
using System.Net.Sockets;

namespace Remediation.Lab;

/// <summary>Finds free TCP ports on 127.0.0.1, and tells whether one is in use.</summary>
public static class FreePort
{
    // Below Linux's ephemeral range (32768-60999, /proc/sys/net/ipv4/ip_local_port_range): a port the kernel hands
    // out as "free" is also what it hands the next outgoing connection as its source port, so a port chosen there can
    // be taken between choosing and Dovecot's bind (seen in CI: "listen(127.0.0.1, 37341) failed: Address already in
    // use"). Below the range only another listener can take it. The Durable test host picks 30000-40000: stay under.
    const int Low = 20000;
    const int High = 29999;

    // Ports already handed out by this process: a port is only bound when its server starts, so two calls in a row
    // could otherwise draw the same free port (seen in CI: Azurite given 22861 for both blob and queue).
    static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> Given = new();

    /// <summary>An unused port on the loopback address, outside the range outgoing connections take theirs from.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = System.Security.Cryptography.RandomNumberGenerator.GetInt32(Low, High + 1);
            if (Given.ContainsKey(port))
            {
                continue;
            }

            // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT, and two listeners would share the port silently.
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                if (Given.TryAdd(port, 0))
                {
                    return port;
                }
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"No free port on 127.0.0.1 between {Low} and {High} after 200 tries.");
    }

    /// <summary>True when something accepts TCP connections on the loopback <paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient(AddressFamily.InterNetwork);
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
