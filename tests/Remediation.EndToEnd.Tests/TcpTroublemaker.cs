using System.Net;
using System.Net.Sockets;

namespace Remediation.EndToEnd.Tests;

/// <summary>A port that misbehaves: accepts and never speaks (black hole), or resets once the client has spoken (or after 200 ms).</summary>
public sealed class TcpTroublemaker : IDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly List<TcpClient> held = [];

    public TcpTroublemaker(bool reset)
    {
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                if (reset)
                {
                    _ = ResetAsync(client);
                }
                else
                {
                    lock (held)
                    {
                        held.Add(client);
                    }
                }
            }
        });
    }

    static async Task ResetAsync(TcpClient client)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            _ = await client.GetStream().ReadAsync(new byte[64], wait.Token);
        }
        catch (OperationCanceledException)
        {
        }

        client.Client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        lock (held)
        {
            held.ForEach(c => c.Dispose());
        }

        stop.Dispose();
    }
}
