using System.Text.RegularExpressions;
using Remediation.Imap;

namespace Remediation.Monitoring;

/// <summary>Get-ServerHealth over the monitor board, with the runbook's <c>HealthSetName -like "IMAP*"</c> filter.</summary>
public static partial class ServerHealth
{
    /// <summary>Rows of <paramref name="server"/> (all when null) whose health set matches <paramref name="healthSet"/> (wildcards * and ?).</summary>
    /// <exception cref="ArgumentException">The filter is not a health-set pattern.</exception>
    public static IReadOnlyList<ServerHealthRow> Query(MonitorBoard board, string? server, string? healthSet)
    {
        var filter = healthSet is null ? null : Like(healthSet);
        return [.. board.Snapshot(server)
            .Where(m => filter is null || filter.IsMatch(m.HealthSet))
            .Select(m => new ServerHealthRow(m.Server, m.Name, m.TargetResource, m.HealthSet, m.AlertValue, m.LastTransitionTime, m.LastResult?.LatencyMs, m.LastResult is { Succeeded: false } r ? r.Error : null, m.DownSince, board.NextAlertAt(m)))];
    }

    /// <summary>
    /// Get-HealthReport: one row per server and health set, in the state of its worst monitor (Unhealthy over Degraded
    /// over Healthy; Repairing shows while a run works on it), since that monitor's last transition.
    /// </summary>
    public static IReadOnlyList<HealthReportRow> Report(MonitorBoard board, string? server) =>
        [.. board.Snapshot(server)
            .GroupBy(m => (m.Server, m.HealthSet))
            .Select(g =>
            {
                var worst = g.OrderByDescending(m => Severity(m.AlertValue)).ThenByDescending(m => m.LastTransitionTime).First();
                return new HealthReportRow(g.Key.Server, g.Key.HealthSet, worst.AlertValue, worst.LastTransitionTime, g.Count());
            })];

    // Disabled monitors do not make a set look worse; a monitor being repaired is still a broken one.
    static int Severity(HealthState state) => state switch
    {
        HealthState.Disabled => -1,
        HealthState.Repairing => 3,
        _ => (int)state,
    };

    /// <summary>Why <paramref name="healthSet"/> is not a health-set name or pattern, or null when it is one (or absent).</summary>
    public static string? PatternError(string? healthSet) =>
        healthSet is null || Pattern().IsMatch(healthSet)
            ? null
            : $"healthSet '{healthSet}' is not a health-set name or pattern (letters, digits, '.', '*', '?'; at most 64 characters).";

    static Regex Like(string pattern)
    {
        if (PatternError(pattern) is { } error)
        {
            throw new ArgumentException(error, nameof(pattern));
        }

        var regex = "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return new Regex(regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
    }

    [GeneratedRegex(@"^[A-Za-z0-9.*?]{1,64}\z")]
    private static partial Regex Pattern();
}
