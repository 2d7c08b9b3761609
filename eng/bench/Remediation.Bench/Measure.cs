using System.Collections.Concurrent;
using System.Diagnostics;

namespace Remediation.Bench;

/// <summary>One series of probes: how long, how fast, how much client CPU.</summary>
internal sealed record Series(int Count, int Failed, TimeSpan Wall, double P50Ms, double P99Ms, double CpuSeconds)
{
    public double PerSecond => Count / Wall.TotalSeconds;

    public double CpuMsPerProbe => CpuSeconds * 1000 / Count;
}

internal static class Measure
{
    /// <summary>Our probe, in this process; client CPU is this process's CPU time.</summary>
    public static async Task<Series> InProcessAsync(int count, int concurrency, Func<Task<bool>> probe)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        return await RunAsync(count, concurrency, probe, () => (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>A peer tool, one process per probe; client CPU is the children's (getrusage).</summary>
    public static async Task<Series> ProcessesAsync(int count, int concurrency, string file, string[] args)
    {
        var cpu = ChildCpu.Seconds();
        return await RunAsync(count, concurrency, async () =>
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0;
        }, () => ChildCpu.Seconds() - cpu);
    }

    static async Task<Series> RunAsync(int count, int concurrency, Func<Task<bool>> probe, Func<double> cpu)
    {
        var latencies = new ConcurrentBag<double>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, _) =>
        {
            var one = Stopwatch.StartNew();
            if (!await probe())
            {
                Interlocked.Increment(ref failed);
            }

            latencies.Add(one.Elapsed.TotalMilliseconds);
        });
        var wall = clock.Elapsed;
        var sorted = latencies.Order().ToArray();
        return new Series(count, failed, wall, sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)], cpu());
    }

    public static IEnumerable<string[]> Compare(string name, Series ours, Series? peer, string peerName)
    {
        string Ratio(double a, double? b) => b is { } v && v > 0 ? $"{a / v:0.00}x" : "";
        yield return [name, $"probes/s (concurrency 8, {ours.Count} probes, {ours.Failed} failed)", $"{ours.PerSecond:0}", peer is null ? $"{peerName}: not installed" : $"{peerName}: {peer.PerSecond:0} ({peer.Failed} failed)", Ratio(ours.PerSecond, peer?.PerSecond)];
        yield return [name, "p50 / p99 latency (ms)", $"{ours.P50Ms:0.0} / {ours.P99Ms:0.0}", peer is null ? "" : $"{peer.P50Ms:0.0} / {peer.P99Ms:0.0}", Ratio(ours.P50Ms, peer?.P50Ms)];
        yield return [name, "client CPU per probe (ms)", $"{ours.CpuMsPerProbe:0.00}", peer is null ? "" : $"{peer.CpuMsPerProbe:0.00}", Ratio(ours.CpuMsPerProbe, peer?.CpuMsPerProbe)];
    }
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
