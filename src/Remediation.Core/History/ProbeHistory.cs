using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Remediation.Probes;

namespace Remediation.History;

/// <summary>How much probe history is kept (section <c>Remediation:History</c>).</summary>
public sealed class HistoryOptions
{
    public const string Section = "Remediation:History";

    /// <summary>How long anything is kept.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "400.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long every single probe result is kept; older ones live on as <see cref="BucketSize"/> buckets.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan RawFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The width of a downsampled bucket.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan BucketSize { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>At most this many single results per server and probe (a fast schedule is bucketed sooner).</summary>
    [Range(100, 1_000_000)]
    public int MaxPointsPerSeries { get; set; } = 5_000;
}

/// <summary>One probe result as history keeps it.</summary>
/// <param name="At">When the probe started.</param>
/// <param name="LatencyMs">How long it took.</param>
/// <param name="Succeeded">Whether it passed.</param>
/// <param name="FailedPhase">Where it failed (Connect, Tls, Greeting, Auth, ...).</param>
public sealed record ProbePoint(DateTimeOffset At, double LatencyMs, bool Succeeded, string? FailedPhase);

/// <summary>Older results, downsampled: how many, how many failed, mean and worst latency.</summary>
/// <param name="Start">The bucket's start.</param>
/// <param name="Count">Results in it.</param>
/// <param name="Failures">Failed results in it.</param>
/// <param name="MeanLatencyMs">Mean latency.</param>
/// <param name="MaxLatencyMs">Worst latency.</param>
public sealed record ProbeBucket(DateTimeOffset Start, int Count, int Failures, double MeanLatencyMs, double MaxLatencyMs);

/// <summary>A server's probe over a time range: buckets for the old part, single results for the recent part.</summary>
/// <param name="Server">The server.</param>
/// <param name="Probe">The probe.</param>
/// <param name="Buckets">Downsampled results, oldest first.</param>
/// <param name="Points">Single results, oldest first.</param>
public sealed record ProbeSeries(string Server, string Probe, IReadOnlyList<ProbeBucket> Buckets, IReadOnlyList<ProbePoint> Points)
{
    /// <summary>Share of results that passed in the range (null without any).</summary>
    public double? Availability
    {
        get
        {
            var count = Buckets.Sum(b => b.Count) + Points.Count;
            var failures = Buckets.Sum(b => b.Failures) + Points.Count(p => !p.Succeeded);
            return count == 0 ? null : (count - failures) / (double)count;
        }
    }
}

/// <summary>One probe's availability and latency in equal slots (the console's strips: one per monitor, 24 hours).</summary>
/// <param name="Server">The server.</param>
/// <param name="Probe">The probe.</param>
/// <param name="From">Start of the first slot.</param>
/// <param name="Slot">Length of every slot.</param>
/// <param name="Availability">Share of results that passed per slot (null: no result in the slot).</param>
/// <param name="MeanLatencyMs">Mean latency per slot (null: no result).</param>
public sealed record ProbeStrip(string Server, string Probe, DateTimeOffset From, TimeSpan Slot, IReadOnlyList<double?> Availability, IReadOnlyList<double?> MeanLatencyMs)
{
    /// <summary>A strip from per-slot sums: results, failures and latency (null where a slot has no result).</summary>
    internal static ProbeStrip FromSums(string server, string probe, DateTimeOffset from, TimeSpan slot, int[] count, int[] failures, double[] latencySum) => new(
        server,
        probe,
        from,
        slot,
        [.. count.Select((n, i) => n == 0 ? (double?)null : Math.Round((n - failures[i]) / (double)n, 4))],
        [.. count.Select((n, i) => n == 0 ? (double?)null : Math.Round(latencySum[i] / n, 1))]);
}

/// <summary>
/// Every probe result, bounded: single results for <see cref="HistoryOptions.RawFor"/> (and at most
/// <see cref="HistoryOptions.MaxPointsPerSeries"/> per series), then downsampled into buckets kept for
/// <see cref="HistoryOptions.Retention"/>. Memory per series is bounded by those settings whatever the schedule.
/// Kept per host in memory (lab mode, the standalone host without storage); <see cref="TableProbeHistory"/> when storage is
/// configured.
/// </summary>
public sealed class ProbeHistory(TimeProvider time, IOptionsMonitor<HistoryOptions> options) : IProbeHistory
{
    readonly DateTimeOffset started = time.GetUtcNow();

    /// <inheritdoc />
    public string KeptWhere => $"in this host's memory since {started:yyyy-MM-ddTHH:mm:ssZ}: lost when the host restarts";

    /// <inheritdoc />
    public Task RecordAsync(IReadOnlyCollection<ProbeResult> round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        foreach (var result in round)
        {
            Record(result);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ProbeSeries>> QueryAsync(string server, DateTimeOffset from, DateTimeOffset to, string? probe, CancellationToken cancellationToken) =>
        Task.FromResult(Query(server, from, to, probe));

    /// <inheritdoc />
    public Task<IReadOnlyList<ProbeStrip>> StripsAsync(DateTimeOffset from, DateTimeOffset to, int slots, CancellationToken cancellationToken) =>
        Task.FromResult(Strips(from, to, slots));

    sealed class Series
    {
        public Queue<ProbePoint> Points { get; } = new();

        // Kept in time order (results fold oldest first), so a range is found by binary search.
        public SortedList<DateTimeOffset, ProbeBucket> Buckets { get; } = [];
    }

    readonly Lock gate = new();
    readonly Dictionary<(string Server, string Probe), Series> series = [];

    /// <summary>Keeps <paramref name="result"/>.</summary>
    public void Record(ProbeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        lock (gate)
        {
            var key = (result.Server.ToUpperInvariant(), result.Probe);
            if (!series.TryGetValue(key, out var one))
            {
                series[key] = one = new Series();
            }

            one.Points.Enqueue(new ProbePoint(result.StartedAt, result.LatencyMs, result.Succeeded, result.FailedPhase?.ToString()));
            while (one.Points.Count > 0 && (one.Points.Count > settings.MaxPointsPerSeries || now - one.Points.Peek().At > settings.RawFor))
            {
                Fold(one, one.Points.Dequeue(), settings.BucketSize);
            }

            foreach (var old in one.Buckets.Keys.TakeWhile(start => now - start > settings.Retention).ToList())
            {
                one.Buckets.Remove(old);
            }
        }
    }

    /// <summary>The series of <paramref name="server"/> (one probe, or all) between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public IReadOnlyList<ProbeSeries> Query(string server, DateTimeOffset from, DateTimeOffset to, string? probe = null)
    {
        lock (gate)
        {
            return [.. series
                .Where(s => string.Equals(s.Key.Server, server, StringComparison.OrdinalIgnoreCase) && (probe is null || string.Equals(s.Key.Probe, probe, StringComparison.OrdinalIgnoreCase)))
                .OrderBy(s => s.Key.Probe, StringComparer.Ordinal)
                .Select(s => new ProbeSeries(
                    s.Key.Server,
                    s.Key.Probe,
                    [.. s.Value.Buckets.Values.Skip(LowerBound(s.Value.Buckets.Keys, from)).TakeWhile(b => b.Start <= to)],
                    [.. s.Value.Points.Where(p => p.At >= from && p.At <= to)]))];
        }
    }

    /// <summary>Every series cut into <paramref name="slots"/> equal slots between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public IReadOnlyList<ProbeStrip> Strips(DateTimeOffset from, DateTimeOffset to, int slots)
    {
        var slot = (to - from) / slots;
        var strips = new List<ProbeStrip>();
        lock (gate)
        {
            foreach (var (key, one) in series.OrderBy(s => s.Key.Server, StringComparer.Ordinal).ThenBy(s => s.Key.Probe, StringComparer.Ordinal))
            {
                var count = new int[slots];
                var failures = new int[slots];
                var latency = new double[slots];
                void Add(DateTimeOffset at, int n, int failed, double meanLatency)
                {
                    if (at < from || at >= to)
                    {
                        return;
                    }

                    var i = Math.Min(slots - 1, (int)((at - from) / slot));
                    count[i] += n;
                    failures[i] += failed;
                    latency[i] += meanLatency * n;
                }

                for (var i = LowerBound(one.Buckets.Keys, from); i < one.Buckets.Count; i++)
                {
                    var bucket = one.Buckets.Values[i];
                    Add(bucket.Start, bucket.Count, bucket.Failures, bucket.MeanLatencyMs);
                }

                foreach (var point in one.Points)
                {
                    Add(point.At, 1, point.Succeeded ? 0 : 1, point.LatencyMs);
                }

                strips.Add(ProbeStrip.FromSums(key.Server, key.Probe, from, slot, count, failures, latency));
            }
        }

        return strips;
    }

    // The first index whose key is at or after from.
    static int LowerBound(IList<DateTimeOffset> keys, DateTimeOffset from)
    {
        int low = 0, high = keys.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (keys[mid] < from)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    static void Fold(Series one, ProbePoint point, TimeSpan size)
    {
        var start = new DateTimeOffset(point.At.UtcTicks - (point.At.UtcTicks % size.Ticks), TimeSpan.Zero);
        one.Buckets[start] = one.Buckets.TryGetValue(start, out var b)
            ? new ProbeBucket(start, b.Count + 1, b.Failures + (point.Succeeded ? 0 : 1), ((b.MeanLatencyMs * b.Count) + point.LatencyMs) / (b.Count + 1), Math.Max(b.MaxLatencyMs, point.LatencyMs))
            : new ProbeBucket(start, 1, point.Succeeded ? 0 : 1, point.LatencyMs, point.LatencyMs);
    }
}
