using System.Net;
using System.Net.Sockets;

namespace Remediation.Lab;

/// <summary>Finds free TCP ports on 127.0.0.1, and tells whether one is in use.</summary>
public static class FreePort
{
    /// <summary>Asks the kernel for an unused port on the loopback address.</summary>
    public static int Next()
    {
        // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT, and two listeners would share the port silently.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
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
