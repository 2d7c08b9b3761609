using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Probes;

namespace Remediation.History;

/// <summary>
/// Probe history in Table storage, for every instance of a scaled-out app and across restarts. Two kinds of row, each
/// updated under its ETag (two instances recording into one row both count), a probe round's rows written in one
/// transaction per partition:
/// <list type="bullet">
/// <item>a bucket per server, probe and <see cref="HistoryOptions.BucketSize"/>: partition = server, row =
/// <c>probe|yyyyMMddHHmm</c>; counts, latency sum and maximum, and its single results (kept while younger than
/// <see cref="HistoryOptions.RawFor"/>, at most <see cref="MaxPointsPerBucket"/>), for one server's detail;</item>
/// <item>an hour per server and probe: partition = <c>~hours|yyyyMMdd</c>, row = <c>server|probe|HH</c>, for the grid's
/// strips (one day is one partition: 24 hours of 200 servers is two partition reads).</item>
/// </list>
/// Rows older than <see cref="HistoryOptions.Retention"/> are deleted as recording goes (hourly per series, daily for hours).
/// </summary>
public sealed class TableProbeHistory(TableClient table, TimeProvider time, IOptionsMonitor<HistoryOptions> options) : IProbeHistory
{
    /// <inheritdoc />
    public string KeptWhere => $"in Table storage ({table.Name}) for {options.CurrentValue.Retention.TotalDays:0.#} days, across restarts and shared by every instance";

    /// <summary>Single results kept in one bucket row (a row stays far below Table's 1 MiB).</summary>
    public const int MaxPointsPerBucket = 240;

    const string HoursPrefix = "~hours|";
    readonly ConcurrentDictionary<string, DateTimeOffset> pruned = new(StringComparer.Ordinal);

    static string Server(string server) => server.ToUpperInvariant();

    static string Key(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    static DateTimeOffset Floor(DateTimeOffset at, TimeSpan size) => new(at.UtcTicks - (at.UtcTicks % size.Ticks), TimeSpan.Zero);

    /// <summary>A transaction's limit: 100 operations on one partition.</summary>
    const int MaxBatch = 100;

    // The rows this instance last wrote, with their ETags: a steady round writes without reading first; another
    // instance's write in between fails the transaction (412), and the rows are read again. Rows idle for two hours go.
    readonly ConcurrentDictionary<(string Partition, string RowKey), (TableEntity Row, DateTimeOffset Used)> written = new();

    /// <inheritdoc />
    public async Task RecordAsync(IReadOnlyCollection<ProbeResult> round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        var changes = new List<Change>();
        foreach (var result in round)
        {
            var server = Server(result.Server);
            var failed = result.Succeeded ? 0 : 1;
            var point = new ProbePoint(result.StartedAt, Math.Round(result.LatencyMs, 1), result.Succeeded, result.FailedPhase?.ToString());
            changes.Add(new(server, $"{result.Probe}|{Key(Floor(result.StartedAt, settings.BucketSize))}", row =>
            {
                Count(row, failed, result.LatencyMs);
                row["LatencyMax"] = Math.Max(row.GetDouble("LatencyMax") ?? 0, result.LatencyMs);
                var points = Points(row);
                points.Add(point);
                row["Points"] = JsonSerializer.Serialize(points.Where(p => now - p.At <= settings.RawFor).TakeLast(MaxPointsPerBucket), JsonDefaults.Options);
            }));
            var hour = Floor(result.StartedAt, TimeSpan.FromHours(1));
            changes.Add(new(HoursPrefix + hour.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture), $"{server}|{result.Probe}|{hour.UtcDateTime:HH}", row => Count(row, failed, result.LatencyMs)));
        }

        // One transaction per partition (per 100 rows): a server's buckets together, a day's hour rows together.
        await Parallel.ForEachAsync(
            changes.GroupBy(c => c.Partition, StringComparer.Ordinal).SelectMany(p => p.GroupBy(c => c.RowKey, StringComparer.Ordinal).Chunk(MaxBatch).Select(rows => (Partition: p.Key, Rows: rows))),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (batch, ct) => await WriteAsync(batch.Partition, batch.Rows, now, ct));
        foreach (var (server, probe) in round.Select(r => (Server(r.Server), r.Probe)).Distinct())
        {
            await PruneAsync(server, probe, now, settings.Retention, cancellationToken);
        }

        foreach (var idle in written.Where(w => now - w.Value.Used > TimeSpan.FromHours(2)).Select(w => w.Key).ToList())
        {
            written.TryRemove(idle, out _);
        }
    }

    sealed record Change(string Partition, string RowKey, Action<TableEntity> Apply);

    // Applies every change to its row and writes the rows in one transaction, under each row's ETag (Add for a row not
    // there yet); another instance's write in between means reading the rows again and counting on from them.
    async Task WriteAsync(string partition, IReadOnlyList<IGrouping<string, Change>> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var known = await RowsAsync(partition, [.. rows.Select(r => r.Key)], cancellationToken);
            var actions = new List<TableTransactionAction>(rows.Count);
            var entities = new List<TableEntity>(rows.Count);
            foreach (var row in rows)
            {
                var before = known.GetValueOrDefault(row.Key);
                var entity = before is null ? new TableEntity(partition, row.Key) : new TableEntity(before) { ETag = before.ETag };
                foreach (var change in row)
                {
                    change.Apply(entity);
                }

                actions.Add(before is null ? new(TableTransactionActionType.Add, entity) : new(TableTransactionActionType.UpdateReplace, entity, before.ETag));
                entities.Add(entity);
            }

            try
            {
                var answers = await table.SubmitTransactionAsync(actions, cancellationToken);
                for (var i = 0; i < entities.Count; i++)
                {
                    if (answers.Value[i].Headers.ETag is { } etag)
                    {
                        entities[i].ETag = etag;
                        written[(partition, entities[i].RowKey)] = (entities[i], now);
                    }
                    else
                    {
                        written.TryRemove((partition, entities[i].RowKey), out _);
                    }
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 200)
            {
                // Lost the race: read the winner's rows and count on from them, after a short random pause so that
                // writers on one row spread out instead of colliding again.
                foreach (var row in rows)
                {
                    written.TryRemove((partition, row.Key), out _);
                }

                await Task.Delay(Random.Shared.Next(1, 5 + (5 * Math.Min(attempt, 10))), cancellationToken);
            }
        }
    }

    // The rows as this instance last wrote them, the others read: one query per 14 rows (a filter holds at most 15
    // comparisons, the partition's included). A row missing from the answer does not exist yet.
    async Task<Dictionary<string, TableEntity>> RowsAsync(string partition, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var key in keys)
        {
            if (written.TryGetValue((partition, key), out var mine))
            {
                rows[key] = mine.Row;
            }
            else
            {
                unknown.Add(key);
            }
        }

        foreach (var chunk in unknown.Chunk(14))
        {
            var filter = $"{TableClient.CreateQueryFilter($"PartitionKey eq {partition}")} and ({string.Join(" or ", chunk.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}")))})";
            await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                rows[row.RowKey] = row;
            }
        }

        return rows;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProbeSeries>> QueryAsync(string server, DateTimeOffset from, DateTimeOffset to, string? probe, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var raw = time.GetUtcNow() - settings.RawFor;
        var list = new List<ProbeSeries>();
        var probes = ImapHealthModel.Monitors.Where(m => m.Probe is not null).Select(m => m.Probe!)
            .Where(p => probe is null || string.Equals(p, probe, StringComparison.OrdinalIgnoreCase)).Distinct().Order(StringComparer.Ordinal);
        foreach (var name in probes)
        {
            var buckets = new List<ProbeBucket>();
            var points = new List<ProbePoint>();
            var low = $"{name}|{Key(Floor(from, settings.BucketSize))}";
            var high = $"{name}|{Key(to)}";
            await foreach (var row in table.QueryAsync<TableEntity>(
                e => e.PartitionKey == Server(server) && e.RowKey.CompareTo(low) >= 0 && e.RowKey.CompareTo(high) <= 0, cancellationToken: cancellationToken))
            {
                var start = DateTimeOffset.ParseExact(row.RowKey[(name.Length + 1)..], "yyyyMMddHHmm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                var kept = Points(row).Where(p => p.At >= from && p.At <= to).ToList();
                if (start + settings.BucketSize > raw && kept.Count > 0)
                {
                    points.AddRange(kept);
                }
                else
                {
                    var count = row.GetInt32("Count") ?? 0;
                    buckets.Add(new ProbeBucket(start, count, row.GetInt32("Failures") ?? 0, count == 0 ? 0 : (row.GetDouble("LatencySum") ?? 0) / count, row.GetDouble("LatencyMax") ?? 0));
                }
            }

            if (buckets.Count + points.Count > 0)
            {
                list.Add(new ProbeSeries(Server(server), name, buckets, [.. points.OrderBy(p => p.At)]));
            }
        }

        return list;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProbeStrip>> StripsAsync(DateTimeOffset from, DateTimeOffset to, int slots, CancellationToken cancellationToken)
    {
        var slot = (to - from) / slots;
        var series = new SortedDictionary<(string Server, string Probe), (int[] Count, int[] Failures, double[] Latency)>();
        for (var day = Floor(from, TimeSpan.FromDays(1)); day <= to; day = day.AddDays(1))
        {
            var partition = HoursPrefix + day.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
            {
                var parts = row.RowKey.Split('|');
                var hour = day.AddHours(int.Parse(parts[2], CultureInfo.InvariantCulture));
                // An hour counts in the slot its middle falls in (slots need not start on the hour).
                var middle = hour.AddMinutes(30);
                if (middle < from || middle >= to)
                {
                    continue;
                }

                if (!series.TryGetValue((parts[0], parts[1]), out var one))
                {
                    series[(parts[0], parts[1])] = one = (new int[slots], new int[slots], new double[slots]);
                }

                var i = Math.Min(slots - 1, (int)((middle - from) / slot));
                one.Count[i] += row.GetInt32("Count") ?? 0;
                one.Failures[i] += row.GetInt32("Failures") ?? 0;
                one.Latency[i] += row.GetDouble("LatencySum") ?? 0;
            }
        }

        return [.. series.Select(s => ProbeStrip.FromSums(s.Key.Server, s.Key.Probe, from, slot, s.Value.Count, s.Value.Failures, s.Value.Latency))];
    }

    static void Count(TableEntity row, int failed, double latencyMs)
    {
        row["Count"] = (row.GetInt32("Count") ?? 0) + 1;
        row["Failures"] = (row.GetInt32("Failures") ?? 0) + failed;
        row["LatencySum"] = (row.GetDouble("LatencySum") ?? 0) + latencyMs;
    }

    static List<ProbePoint> Points(TableEntity row) =>
        row.GetString("Points") is { Length: > 0 } json ? JsonSerializer.Deserialize<List<ProbePoint>>(json, JsonDefaults.Options) ?? [] : [];

    // Once an hour per series: its buckets past retention; once a day: the hour partitions past retention.
    async Task PruneAsync(string server, string probe, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        var series = $"{server}|{probe}";
        if (pruned.TryGetValue(series, out var last) && now - last < TimeSpan.FromHours(1))
        {
            return;
        }

        pruned[series] = now;
        var cutoff = $"{probe}|{Key(now - retention)}";
        var low = $"{probe}|";
        await DeleteAsync(table.QueryAsync<TableEntity>(e => e.PartitionKey == server && e.RowKey.CompareTo(low) >= 0 && e.RowKey.CompareTo(cutoff) < 0, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken), cancellationToken);
        var day = HoursPrefix + (now - retention).UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        if (pruned.TryAdd(day, now))
        {
            await DeleteAsync(table.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(HoursPrefix) >= 0 && e.PartitionKey.CompareTo(day) < 0, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken), cancellationToken);
        }
    }

    async Task DeleteAsync(AsyncPageable<TableEntity> rows, CancellationToken cancellationToken)
    {
        await foreach (var row in rows)
        {
            try
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // another instance pruned it first
            }
        }
    }
}
