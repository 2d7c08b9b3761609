using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Remediation.History;
using Remediation.Imap;
using Remediation.Probes;

namespace Remediation.EndToEnd.Tests.Storage;

/// <summary>
/// Probe history in Table storage (Azurite) as two instances of a scaled-out app see it: one history whoever recorded,
/// no count lost when both write the same row at once, the same answers as the in-memory history, old rows pruned.
/// </summary>
public sealed class TableProbeHistoryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    sealed class Fixed(HistoryOptions value) : IOptionsMonitor<HistoryOptions>
    {
        public HistoryOptions CurrentValue => value;

        public HistoryOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<HistoryOptions, string?> listener) => null;
    }

    async Task<TableClient> TableAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"history{Guid.NewGuid():N}");
        await table.CreateIfNotExistsAsync();
        return table;
    }

    static ProbeResult Result(DateTimeOffset at, bool ok, string server = "MBX1", string probe = ImapHealthModel.DeepTestProbe, double latency = 50) =>
        new(server, probe, "IMAP.Protocol", "mbx1:993", at, latency, ok ? ProbeOutcome.Succeeded : ProbeOutcome.Failed, ok ? null : ProbePhase.Auth, null, ok ? null : "NO", null, new Dictionary<ProbePhase, double>(), null);

    [Fact]
    public async Task Two_instances_keep_one_history_that_answers_like_the_in_memory_one()
    {
        var table = await TableAsync();
        var time = new FakeTimeProvider(Start);
        var settings = new Fixed(new HistoryOptions { RawFor = TimeSpan.FromHours(6), Retention = TimeSpan.FromDays(2) });
        IProbeHistory[] instances = [new TableProbeHistory(table, time, settings), new TableProbeHistory(table, time, settings)];
        var memory = new ProbeHistory(time, settings);

        // A day and a half of one probe every 5 minutes, the instances taking turns; MBX1 fails between 03:00 and 03:30.
        for (var minute = 0; minute < 36 * 60; minute += 5)
        {
            time.SetUtcNow(Start.AddMinutes(minute));
            var result = Result(time.GetUtcNow(), ok: minute is < 180 or >= 210, latency: 40 + (minute % 7));
            await instances[minute / 5 % 2].RecordAsync([result], default);
            memory.Record(result);
        }

        var now = time.GetUtcNow();
        foreach (var history in instances)
        {
            var stored = Assert.Single(await history.QueryAsync("mbx1", Start, now, null, default));
            var kept = Assert.Single(memory.Query("MBX1", Start, now));
            Assert.Equal(kept.Buckets.Sum(b => b.Count) + kept.Points.Count, stored.Buckets.Sum(b => b.Count) + stored.Points.Count);
            Assert.Equal(kept.Availability, stored.Availability);
            Assert.Equal(6, stored.Buckets.Sum(b => b.Failures) + stored.Points.Count(p => !p.Succeeded));
            Assert.All(stored.Points, p => Assert.True(now - p.At <= TimeSpan.FromHours(6.25)));

            // The grid's strips (hour-aligned): the failed half hour in its hour, and slot for slot what memory says.
            var strip = Assert.Single(await history.StripsAsync(Start, Start.AddHours(24), 24, default));
            var expected = Assert.Single(memory.Strips(Start, Start.AddHours(24), 24));
            Assert.Equal(0.5, strip.Availability[3]);
            Assert.Equal(1.0, strip.Availability[2]);
            Assert.Equal(expected.Availability, strip.Availability);
            Assert.Equal(expected.MeanLatencyMs, strip.MeanLatencyMs);
        }
    }

    [Fact]
    public async Task Two_instances_writing_the_same_rows_at_once_lose_no_result()
    {
        var table = await TableAsync();
        var time = new FakeTimeProvider(Start);
        var settings = new Fixed(new HistoryOptions());
        var a = new TableProbeHistory(table, time, settings);
        var b = new TableProbeHistory(table, time, settings);

        // Twenty results each into one bucket row and one hour row, all at once.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).RecordAsync([Result(Start.AddSeconds(i), ok: i % 10 != 0)], default)));

        var series = Assert.Single(await a.QueryAsync("MBX1", Start, Start.AddMinutes(5), null, default));
        Assert.Equal(40, series.Points.Count);
        Assert.Equal(4, series.Points.Count(p => !p.Succeeded));
        var strip = Assert.Single(await b.StripsAsync(Start, Start.AddHours(1), 1, default));
        Assert.Equal(0.9, strip.Availability[0]);
    }

    [Fact]
    public async Task Rows_past_retention_are_deleted_as_recording_goes_on()
    {
        var table = await TableAsync();
        var time = new FakeTimeProvider(Start);
        var history = new TableProbeHistory(table, time, new Fixed(new HistoryOptions { Retention = TimeSpan.FromDays(1), RawFor = TimeSpan.FromHours(1) }));

        for (var hour = 0; hour < 72; hour++)
        {
            time.SetUtcNow(Start.AddHours(hour));
            await history.RecordAsync([Result(time.GetUtcNow(), ok: true)], default);
        }

        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        // Buckets: the last day (and the hour the last prune ran in); hours: today's and yesterday's partitions only.
        Assert.InRange(rows.Count(r => r.PartitionKey == "MBX1"), 24, 26);
        Assert.All(rows.Where(r => r.PartitionKey.StartsWith("~hours|", StringComparison.Ordinal)), r => Assert.True(string.CompareOrdinal(r.PartitionKey, "~hours|20261102") >= 0, r.PartitionKey));
        var all = Assert.Single(await history.QueryAsync("MBX1", Start, time.GetUtcNow(), null, default));
        Assert.InRange(all.Buckets.Count + all.Points.Count, 24, 26);
    }
}
