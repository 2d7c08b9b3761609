using Microsoft.Extensions.Time.Testing;
using Remediation.History;
using Remediation.Probes;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.History;

/// <summary>Probe history stays bounded whatever the schedule: single results for a while, then buckets, then gone.</summary>
public sealed class ProbeHistoryTests
{
    static readonly DateTimeOffset Start = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    static ProbeResult Result(DateTimeOffset at, bool ok, double latency = 40) =>
        new("MBX1", "ImapDeepTestProbe", "IMAP.Protocol", "mbx1:993", at, latency, ok ? ProbeOutcome.Succeeded : ProbeOutcome.Failed, ok ? null : ProbePhase.Connect, null, ok ? null : "refused", null, new Dictionary<ProbePhase, double>());

    [Fact]
    public void Three_days_of_one_probe_a_minute_keep_an_hour_of_results_and_two_days_of_quarter_hours()
    {
        var time = new FakeTimeProvider(Start);
        var history = new ProbeHistory(time, Monitor(new HistoryOptions { RawFor = TimeSpan.FromHours(1), BucketSize = TimeSpan.FromMinutes(15), Retention = TimeSpan.FromDays(2) }));
        for (var minute = 0; minute < 3 * 24 * 60; minute++)
        {
            // Every tenth probe fails; the last day is slower.
            history.Record(Result(time.GetUtcNow(), ok: minute % 10 != 0, latency: minute < 2 * 24 * 60 ? 40 : 400));
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var all = Assert.Single(history.Query("mbx1", Start, time.GetUtcNow()));
        var lastDay = Assert.Single(history.Query("MBX1", time.GetUtcNow().AddDays(-1), time.GetUtcNow()));

        Assert.InRange(all.Points.Count, 59, 61);
        Assert.True(all.Buckets.Count <= (2 * 24 * 4) + 1, $"{all.Buckets.Count} buckets");
        Assert.All(all.Buckets, b => Assert.Equal(0, b.Start.Minute % 15));
        Assert.Equal(0.9, all.Availability!.Value, 2);
        Assert.InRange(lastDay.Buckets[^1].MeanLatencyMs, 399, 401);
        Assert.Equal("Connect", all.Points.First(p => !p.Succeeded).FailedPhase);
        Assert.Empty(history.Query("MBX2", Start, time.GetUtcNow()));
    }

    [Fact]
    public void A_fast_schedule_is_bucketed_sooner_instead_of_growing()
    {
        var time = new FakeTimeProvider(Start);
        var history = new ProbeHistory(time, Monitor(new HistoryOptions { RawFor = TimeSpan.FromDays(1), MaxPointsPerSeries = 100 }));
        for (var i = 0; i < 10_000; i++)
        {
            history.Record(Result(time.GetUtcNow(), ok: true));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var series = Assert.Single(history.Query("MBX1", Start, time.GetUtcNow()));

        Assert.Equal(100, series.Points.Count);
        Assert.Equal(10_000, series.Points.Count + series.Buckets.Sum(b => b.Count));
    }
}
