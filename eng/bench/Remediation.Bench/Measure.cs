using System.Collections.Concurrent;
using System.Diagnostics;

namespace Remediation.Bench;

/// <summary>One series of probes: how long, how fast, how much client and server CPU, how much client memory.</summary>
internal sealed record Series(int Count, int Failed, int Concurrency, TimeSpan Wall, double P50Ms, double P99Ms, double CpuSeconds, double ServerCpuSeconds, double PeakMiB)
{
    public double PerSecond => Count / Wall.TotalSeconds;

    public double CpuSecondsPer1000 => CpuSeconds * 1000 / Count;

    public double ServerCpuSecondsPer1000 => ServerCpuSeconds * 1000 / Count;
}

internal static class Measure
{
    /// <summary>Our probe, in this process; client CPU is this process's CPU time, memory its peak working set.</summary>
    public static async Task<Series> InProcessAsync(int count, int concurrency, IReadOnlyList<int> servers, Func<int, Task<bool>> probe)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        using var memory = new MemorySampler();
        var series = await RunAsync(count, concurrency, servers, probe, () => (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        return series with { PeakMiB = memory.PeakMiB };
    }

    /// <summary>
    /// A peer tool, one process per probe; client CPU is the children's (getrusage RUSAGE_CHILDREN), memory the
    /// largest child's peak RSS times the processes in flight.
    /// </summary>
    public static async Task<Series> ProcessesAsync(int count, int concurrency, IReadOnlyList<int> servers, string file, Func<int, string[]> args)
    {
        var cpu = ChildCpu.Seconds();
        var series = await RunAsync(count, concurrency, servers, async i =>
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args(i))
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0;
        }, () => ChildCpu.Seconds() - cpu);
        return series with { PeakMiB = await PeakRssMiBAsync(file, args(0)) * concurrency };
    }

    /// <summary>One more run of the peer under GNU time (<c>%M</c>: its peak resident set, KiB).</summary>
    static async Task<double> PeakRssMiBAsync(string file, string[] args)
    {
        if (!File.Exists("/usr/bin/time"))
        {
            return double.NaN;
        }

        var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-f", "maxrss=%M", file }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = (await error).Split('\n').LastOrDefault(l => l.StartsWith("maxrss=", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line["maxrss=".Length..], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    static async Task<Series> RunAsync(int count, int concurrency, IReadOnlyList<int> servers, Func<int, Task<bool>> probe, Func<double> cpu)
    {
        var latencies = new ConcurrentBag<double>();
        var failed = 0;
        var serverCpu = ServerCpu.Seconds(servers);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
        {
            var one = Stopwatch.StartNew();
            if (!await probe(i))
            {
                Interlocked.Increment(ref failed);
            }

            latencies.Add(one.Elapsed.TotalMilliseconds);
        });
        var wall = clock.Elapsed;
        var sorted = latencies.Order().ToArray();
        return new Series(count, failed, concurrency, wall, sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)], cpu(), ServerCpu.Seconds(servers) - serverCpu, 0);
    }

    public static IEnumerable<string[]> Compare(string name, Series ours, Series? peer, string peerName)
    {
        string Ratio(double a, double? b) => b is { } v && v > 0 ? $"{a / v:0.00}x" : "";
        string Peer(Func<Series, string> value) => peer is null ? "" : value(peer);
        yield return [name, $"probes/s (concurrency {ours.Concurrency}, {ours.Count} probes, {ours.Failed} failed)", $"{ours.PerSecond:0}", peer is null ? $"{peerName}: not installed" : $"{peerName}: {peer.PerSecond:0} ({peer.Failed} failed)", Ratio(ours.PerSecond, peer?.PerSecond)];
        yield return [name, "p50 / p99 latency (ms)", $"{ours.P50Ms:0.0} / {ours.P99Ms:0.0}", Peer(p => $"{p.P50Ms:0.0} / {p.P99Ms:0.0}"), Ratio(ours.P50Ms, peer?.P50Ms)];
        yield return [name, "client CPU s per 1,000 probes", $"{ours.CpuSecondsPer1000:0.00}", Peer(p => $"{p.CpuSecondsPer1000:0.00}"), Ratio(ours.CpuSecondsPer1000, peer?.CpuSecondsPer1000)];
        yield return [name, "server (Dovecot) CPU s per 1,000 probes", $"{ours.ServerCpuSecondsPer1000:0.00}", Peer(p => $"{p.ServerCpuSecondsPer1000:0.00}"), Ratio(ours.ServerCpuSecondsPer1000, peer?.ServerCpuSecondsPer1000)];
        yield return [name, "peak client memory (MiB)", $"{ours.PeakMiB:0}", Peer(p => $"{p.PeakMiB:0} ({p.Concurrency} x largest process)"), Ratio(ours.PeakMiB, peer?.PeakMiB)];
    }
}

/// <summary>Samples this process's working set every 20 ms; the peak over its lifetime.</summary>
internal sealed class MemorySampler : IDisposable
{
    readonly Timer timer;
    long peak;

    public MemorySampler()
    {
        Sample();
        timer = new Timer(_ => Sample(), null, 20, 20);
    }

    public double PeakMiB => Interlocked.Read(ref peak) / 1048576.0;

    void Sample()
    {
        using var self = Process.GetCurrentProcess();
        var now = self.WorkingSet64;
        long seen;
        while (now > (seen = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
        {
        }
    }

    public void Dispose() => timer.Dispose();
}

internal static class Table
{
    public static void Print(string[] header, List<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        foreach (var (row, index) in all.Select((r, i) => (r, i)))
        {
            Console.WriteLine(string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))));
            if (index == 0)
            {
                Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
            }
        }
    }
}
