using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Azure.Core.Diagnostics;
using Remediation.Lab;
using Remediation.Monitoring;

namespace Remediation.Bench;

/// <summary>
/// Table storage per probe round as the organisation grows (10, 100, 1,000 servers, each probed by its deep and self
/// test against the tuned lab's listeners, monitor state and probe history on Azurite): the Table operations of one
/// steady-state round (counted by the Azure SDK's own request events: a batch is one operation, as it is billed), the
/// bytes on the wire both ways (a relay in front of Azurite), our CPU and Azurite's, and the round's wall time.
/// </summary>
internal static partial class StorageBench
{
    public static async Task RunAsync(List<string[]> rows, string root)
    {
        int[] sizes = Size.Smoke ? [2, 4] : [10, 100, 1000];
        await using var lab = await ImapLab.StartAsync(LabDefinition.Minimal with { TunedForLogins = true, ImapsListeners = Size.Of(100, 2) }, Path.Combine(root, "storage-lab"));
        await using var azurite = await AzuriteInstance.StartAsync(Path.Combine(root, "storage-azurite"));
        var tablePort = int.Parse(TablePort().Match(azurite.ConnectionString).Groups[1].Value, CultureInfo.InvariantCulture);
        using var relay = new CountingRelay(tablePort);
        var connectionString = azurite.ConnectionString.Replace($":{tablePort}/", $":{relay.Port}/", StringComparison.Ordinal);
        using var requests = new RequestCounter(relay.Port);
        foreach (var servers in sizes)
        {
            var settings = new Dictionary<string, string?>
            {
                ["Remediation:Probes:Timeout"] = "00:00:10",
                ["Remediation:Probes:MaxConcurrency"] = "10", // the lab's one probe user may hold 10 connections (mail_max_userip_connections)
                ["Remediation:Storage:ConnectionString"] = connectionString,
                ["Remediation:Storage:TablePrefix"] = $"g{servers}x{Guid.NewGuid():N}"[..12],
            };
            AddMailboxServers(settings, servers, lab);

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
#pragma warning disable ASP0000 // the benchmark builds the engine on its own, outside any host
            await using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddRemediationEngine(configuration).BuildServiceProvider();
#pragma warning restore ASP0000
            foreach (var started in services.GetServices<IHostedService>())
            {
                await started.StartAsync(default); // creates the tables, loads monitor state
            }

            var cycle = services.GetRequiredService<ProbeCycle>();
            await cycle.RunAsync(ProbeKinds.All, default); // the first round creates the rows; later rounds are the steady state
            requests.Reset();
            var (ops, sent, received) = (requests.Count, relay.Sent, relay.Received);
            var (ourCpu, theirCpu) = (Process.GetCurrentProcess().TotalProcessorTime, ServerCpu.Seconds([azurite.Pid]));
            var clock = Stopwatch.StartNew();
            var results = await cycle.RunAsync(ProbeKinds.All, default);
            var wall = clock.Elapsed;
            var round = requests.Count - ops;
            var what = $"{servers} servers, {results.Count} probes ({results.Count(r => r.Succeeded)} succeeded)";
            rows.Add(["storage", $"{what}: Table operations per round", $"{round} ({(double)round / servers:0.0} per server)", "2 per server (issue #30)", $"{(double)round / servers / 2:0.00}"]);
            if (results.Where(r => !r.Succeeded).GroupBy(r => r.Error ?? r.Result.ToString()).OrderByDescending(g => g.Count()).FirstOrDefault() is { } failing)
            {
                // Recorded like any result (the same Table rows). The lab has one probe user, and Dovecot caps its
                // connections per user and address at 10: hence the concurrency of 10 above.
                rows.Add(["storage", $"{servers} servers: most failures", $"{failing.Count()}: {failing.Key}", "", ""]);
            }

            rows.Add(["storage", $"{servers} servers: by kind", string.Join(", ", requests.ByKind().OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")), "", ""]);
            rows.Add(["storage", $"{what}: bytes to / from Table storage", $"{(relay.Sent - sent) / 1024.0:0} / {(relay.Received - received) / 1024.0:0} KiB ({(relay.Sent - sent) / 1024.0 / servers:0.0} KiB written per server)", "", ""]);
            rows.Add(["storage", $"{what}: CPU ours / Azurite's, wall time", $"{(Process.GetCurrentProcess().TotalProcessorTime - ourCpu).TotalSeconds:0.00} / {ServerCpu.Seconds([azurite.Pid]) - theirCpu:0.00} s, {wall.TotalSeconds:0.0} s", "", ""]);

            // What a health answer reads between rounds (a console polls every 2 s): only the changes, against the
            // whole state a probe round or the safety gate reads.
            var board = services.GetRequiredService<MonitorBoard>();
            await board.RefreshChangesAsync(default);
            await Task.Delay(Remediation.Storage.ChangeHorizon.Overlap + TimeSpan.FromSeconds(1));
            await board.RefreshChangesAsync(default); // rows written just before the last read are read once more
            var before = relay.Received;
            await board.RefreshChangesAsync(default);
            var changesRead = relay.Received - before;
            before = relay.Received;
            await board.RefreshAsync(default);
            rows.Add(["storage", $"{servers} servers: one health answer between rounds reads", $"{changesRead / 1024.0:0.0} KiB (changes only)", $"{(relay.Received - before) / 1024.0:0.0} KiB (whole state)", $"{(double)changesRead / Math.Max(1, relay.Received - before):0.000}"]);

            foreach (var started in services.GetServices<IHostedService>().Reverse())
            {
                await started.StopAsync(default);
            }
        }
    }

    /// <summary>
    /// <paramref name="servers"/> mailbox servers EX0000... in the topology settings, each probed (deep and self test)
    /// on one of the lab's MBX1 listeners in turn, with the lab's probe user.
    /// </summary>
    internal static void AddMailboxServers(Dictionary<string, string?> settings, int servers, ImapLab lab)
    {
        var mbx = lab.MailboxServers["MBX1"];
        var user = lab.Definition.MailboxServers[0];
        for (var i = 0; i < servers; i++)
        {
            var at = $"Remediation:Topology:Servers:{i}";
            settings[$"{at}:Name"] = $"EX{i:0000}";
            settings[$"{at}:Role"] = "Mailbox";
            settings[$"{at}:BackEnd:Host"] = "localhost";
            settings[$"{at}:BackEnd:Port"] = mbx.ImapsPorts[i % mbx.ImapsPorts.Count].ToString(CultureInfo.InvariantCulture);
            settings[$"{at}:BackEnd:TrustedCaFile"] = lab.Certificate.CaCertPath;
            settings[$"{at}:ProbeMailbox:User"] = user.ProbeUser;
            settings[$"{at}:ProbeMailbox:Password"] = user.ProbePassword;
        }
    }

    [GeneratedRegex(@"TableEndpoint=http://127\.0\.0\.1:(\d+)/")]
    private static partial Regex TablePort();

    /// <summary>Every request the Azure SDK sends to the relay's port, from its own event source (Azure-Core's "Request").</summary>
    sealed class RequestCounter : IDisposable
    {
        readonly AzureEventSourceListener listener;
        readonly Dictionary<string, int> kinds = [];
        readonly Lock gate = new();
        int count;

        public RequestCounter(int port)
        {
            listener = new AzureEventSourceListener(
                (e, _) =>
                {
                    if (e.EventName != "Request" || e.Payload is not { Count: >= 3 } payload || payload[2] is not string uri || !uri.Contains($":{port}/", StringComparison.Ordinal))
                    {
                        return;
                    }

                    // "GET /table(PartitionKey=..)" and "GET /table()?$filter" are a point read and a query; "$batch" a transaction.
                    var path = new Uri(uri).AbsolutePath;
                    var kind = $"{payload[1]} {(path.EndsWith("$batch", StringComparison.Ordinal) ? "$batch (one transaction)" : path.Contains("(PartitionKey=", StringComparison.Ordinal) ? "entity" : path.EndsWith("()", StringComparison.Ordinal) ? "query" : path.EndsWith("/Tables", StringComparison.Ordinal) ? "table" : "new entity")}";
                    lock (gate)
                    {
                        count++;
                        kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                    }
                },
                EventLevel.Informational);
        }

        public int Count
        {
            get
            {
                lock (gate)
                {
                    return count;
                }
            }
        }

        public Dictionary<string, int> ByKind()
        {
            lock (gate)
            {
                return new(kinds);
            }
        }

        public void Reset()
        {
            lock (gate)
            {
                kinds.Clear();
                count = 0;
            }
        }

        public void Dispose() => listener.Dispose();
    }

    /// <summary>A TCP relay on 127.0.0.1 in front of Azurite's Table port, counting the bytes each way.</summary>
    sealed class CountingRelay : IDisposable
    {
        readonly TcpListener listener = new(IPAddress.Loopback, 0);
        readonly CancellationTokenSource stop = new();
        long sent, received;

        public CountingRelay(int target)
        {
            listener.Start();
            _ = AcceptAsync(target);
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public long Sent => Interlocked.Read(ref sent);

        public long Received => Interlocked.Read(ref received);

        async Task AcceptAsync(int target)
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                _ = RelayAsync(client, target);
            }
        }

        async Task RelayAsync(TcpClient client, int target)
        {
            using (client)
            using (var server = new TcpClient())
            {
                await server.ConnectAsync(IPAddress.Loopback, target);
                var up = PumpAsync(client.GetStream(), server.GetStream(), n => Interlocked.Add(ref sent, n));
                var down = PumpAsync(server.GetStream(), client.GetStream(), n => Interlocked.Add(ref received, n));
                await Task.WhenAny(up, down);
            }
        }

        async Task PumpAsync(NetworkStream from, NetworkStream to, Action<long> count)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await from.ReadAsync(buffer, stop.Token)) > 0)
                {
                    count(read);
                    await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // a side closed: the relay of this connection ends
            }
        }

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
            stop.Dispose();
        }
    }
}
