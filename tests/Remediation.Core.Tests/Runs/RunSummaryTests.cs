using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Remediation.Runs;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.Runs;

public class RunSummaryTests
{
    static RunRecord Run(string id, string server, DateTimeOffset at, RunOutcome outcome, TimeSpan? took = null, DateTimeOffset? failingSince = null) =>
        new(id, $"imap-recovery-{server}", server, "IMAP.Protocol", "ImapDeepTestMonitor", at, outcome == RunOutcome.Running ? null : at + (took ?? TimeSpan.FromMinutes(5)), outcome, null, [],
            [Alert("a-" + id, server, at) with { FailingSince = failingSince }]);

    [Fact]
    public void Mttr_counts_from_the_first_failed_probe_not_from_the_run()
    {
        // Down 3 minutes before the alert opened the run, recovered 5 minutes into it: 8 minutes to recover.
        var runs = new[]
        {
            Run("r1", "MBX1", Start, RunOutcome.Recovered, TimeSpan.FromMinutes(5), failingSince: Start.AddMinutes(-3)),
            Run("r2", "MBX1", Start.AddHours(1), RunOutcome.Recovered, TimeSpan.FromMinutes(2)), // an external alert: no first failure known
            Run("r3", "MBX2", Start.AddHours(2), RunOutcome.Escalated),
        };

        var summary = RunSummary.Of(runs, TimeZoneInfo.Utc);

        Assert.Equal((3, 2), (summary.Runs, summary.Recovered));
        Assert.Equal(TimeSpan.FromMinutes(5).TotalSeconds, summary.MttrSeconds); // (8 + 2) / 2 minutes
        Assert.Equal(Start.AddMinutes(-3), runs[0].FailingSince);
        Assert.Equal(Start.AddHours(1), runs[1].FailingSince);
    }

    [Fact]
    public void Days_are_counted_in_the_zone_asked_for_and_transient_runs_do_not_make_a_server_the_worst()
    {
        // 20:00 UTC on the 27th is 01:30 on the 28th in India.
        var evening = new DateTimeOffset(2026, 11, 27, 20, 0, 0, TimeSpan.Zero);
        var runs = new[]
        {
            Run("r1", "MBX1", evening.AddHours(-10), RunOutcome.Recovered),
            Run("r2", "MBX1", evening, RunOutcome.Escalated),
            Run("r3", "CAS1", evening.AddMinutes(1), RunOutcome.Transient),
            Run("r4", "CAS1", evening.AddMinutes(2), RunOutcome.Transient),
            Run("r5", "CAS1", evening.AddMinutes(3), RunOutcome.Transient),
        };

        var utc = RunSummary.Of(runs, TimeZoneInfo.Utc);
        var india = RunSummary.Of(runs, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"));

        Assert.Equal([new DateOnly(2026, 11, 27)], utc.Days.Select(d => d.Date));
        Assert.Equal([new DateOnly(2026, 11, 27), new DateOnly(2026, 11, 28)], india.Days.Select(d => d.Date));
        Assert.Equal(4, india.Days[1].Outcomes.Values.Sum());
        Assert.Equal(3, india.Days[1].Outcomes[RunOutcome.Transient]);
        Assert.Equal(new RunSummary.ServerCount("MBX1", 2), utc.MostRuns);
        Assert.Null(RunSummary.Of([], TimeZoneInfo.Utc).MttrSeconds);
    }

    [Theory]
    [InlineData("outcome", "Fixed", "outcome must be one of")]
    [InlineData("outcome", "7", "outcome must be one of")]
    [InlineData("since", "yesterday", "since must be a date and time")]
    [InlineData("before", "2026-13-01", "before must be a date and time")]
    public void A_filter_that_cannot_be_read_names_the_parameter_and_what_it_accepts(string name, string value, string said)
    {
        var errors = new Dictionary<string, string[]>();

        RunFilter.FromQuery(new QueryCollection(new Dictionary<string, StringValues> { [name] = value }), errors);

        Assert.StartsWith(said, Assert.Single(errors[name]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_reads_every_parameter_the_console_sends()
    {
        var errors = new Dictionary<string, string[]>();
        var query = new QueryCollection(new Dictionary<string, StringValues>
        {
            ["server"] = "mbx1",
            ["outcome"] = "recovered",
            ["monitor"] = "ImapDeepTestMonitor",
            ["since"] = "2026-11-27T03:00:00Z",
            ["before"] = "2026-11-28T03:00:00+01:00",
        });

        var filter = RunFilter.FromQuery(query, errors);

        Assert.Empty(errors);
        Assert.Equal(new RunFilter("mbx1", RunOutcome.Recovered, "ImapDeepTestMonitor", Start, new DateTimeOffset(2026, 11, 28, 2, 0, 0, TimeSpan.Zero)), filter);
        Assert.True(filter.Matches(Run("r1", "MBX1", Start.AddHours(1), RunOutcome.Recovered)));
        Assert.False(filter.Matches(Run("r2", "MBX1", Start.AddHours(-1), RunOutcome.Recovered)));
        Assert.False(filter.Matches(Run("r3", "MBX1", Start.AddHours(1), RunOutcome.Escalated)));
    }
}
