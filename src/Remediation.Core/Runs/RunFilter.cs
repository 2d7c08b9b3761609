using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Remediation.Runs;

/// <summary>
/// Which runs a list or a summary asks for, answered by the ledger over every run it holds (not over a page the
/// console happened to load): the server, the outcome, the monitor, and a range of start times.
/// </summary>
/// <param name="Server">Only this server's runs (case-insensitive).</param>
/// <param name="Outcome">Only runs that ended so (or are Running).</param>
/// <param name="Monitor">Only runs for this monitor (exact, case-insensitive).</param>
/// <param name="Since">Only runs started at or after this.</param>
/// <param name="StartedBefore">Only runs started before this (a page's last StartedAt: the next page's cursor).</param>
public sealed record RunFilter(string? Server = null, RunOutcome? Outcome = null, string? Monitor = null, DateTimeOffset? Since = null, DateTimeOffset? StartedBefore = null)
{
    /// <summary>Every run.</summary>
    public static readonly RunFilter All = new();

    /// <summary>Whether <paramref name="run"/> is one of the runs asked for.</summary>
    public bool Matches(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return (Server is null || string.Equals(run.Server, Server, StringComparison.OrdinalIgnoreCase))
            && (Outcome is null || run.Outcome == Outcome)
            && (Monitor is null || string.Equals(run.Monitor, Monitor, StringComparison.OrdinalIgnoreCase))
            && (Since is null || run.StartedAt >= Since)
            && (StartedBefore is null || run.StartedAt < StartedBefore);
    }

    /// <summary>
    /// The filter a request's query names (server, outcome, monitor, since, before), or the problems with it, each
    /// keyed by the parameter and saying what it accepts.
    /// </summary>
    public static RunFilter FromQuery(IQueryCollection query, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(errors);
        RunOutcome? outcome = null;
        if (Text(query, "outcome") is { } named)
        {
            if (Enum.TryParse<RunOutcome>(named, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(named, out _))
            {
                outcome = parsed;
            }
            else
            {
                errors["outcome"] = [$"outcome must be one of {string.Join(", ", Enum.GetNames<RunOutcome>())}."];
            }
        }

        return new RunFilter(Text(query, "server"), outcome, Text(query, "monitor"), Instant(query, "since", errors), Instant(query, "before", errors));
    }

    static string? Text(IQueryCollection query, string name) => query[name].FirstOrDefault() is { Length: > 0 } value ? value : null;

    static DateTimeOffset? Instant(IQueryCollection query, string name, Dictionary<string, string[]> errors)
    {
        if (Text(query, name) is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors[name] = [$"{name} must be a date and time (ISO 8601, e.g. 2026-12-07T06:00:00Z)."];
        return null;
    }
}

/// <summary>
/// Counts and MTTR over every run a filter matches, as GET /api/runs-summary answers them: what the console's summary
/// says of "30 days" is said of 30 days, not of the newest 100 runs.
/// </summary>
/// <param name="Runs">How many runs match.</param>
/// <param name="Recovered">How many of them recovered.</param>
/// <param name="MttrSeconds">Mean time to recover, from the first failed probe (<see cref="RunRecord.FailingSince"/>) to the run's end, over the recovered runs; null with none.</param>
/// <param name="MostRuns">The server with the most runs that were not transient, and how many; null with none.</param>
/// <param name="Days">Runs per day (in <paramref name="TimeZone"/>) and outcome, oldest day first.</param>
/// <param name="TimeZone">The zone the days are in.</param>
public sealed record RunSummary(int Runs, int Recovered, double? MttrSeconds, RunSummary.ServerCount? MostRuns, IReadOnlyList<RunSummary.Day> Days, string TimeZone)
{
    /// <summary>A server and its run count.</summary>
    public sealed record ServerCount(string Server, int Runs);

    /// <summary>One day's runs by outcome.</summary>
    public sealed record Day(DateOnly Date, IReadOnlyDictionary<RunOutcome, int> Outcomes);

    /// <summary>The summary of <paramref name="runs"/>, days counted in <paramref name="zone"/>.</summary>
    public static RunSummary Of(IReadOnlyCollection<RunRecord> runs, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(zone);
        var recovered = runs.Where(r => r.Outcome == RunOutcome.Recovered && r.EndedAt is not null).ToList();
        double? mttr = recovered.Count == 0 ? null : recovered.Average(r => (r.EndedAt!.Value - r.FailingSince).TotalSeconds);
        var most = runs.Where(r => r.Outcome != RunOutcome.Transient).GroupBy(r => r.Server, StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new ServerCount(g.Key, g.Count())).FirstOrDefault();
        var days = runs.GroupBy(r => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(r.StartedAt, zone).DateTime))
            .OrderBy(g => g.Key)
            .Select(g => new Day(g.Key, g.GroupBy(r => r.Outcome).ToDictionary(o => o.Key, o => o.Count())))
            .ToList();
        return new RunSummary(runs.Count, recovered.Count, mttr, most, days, zone.Id);
    }
}
