using System.Text.RegularExpressions;

namespace Remediation.Monitoring;

/// <summary>A Get-ServerHealth row, with what the last probe saw (when this product's own probes feed the monitor).</summary>
public sealed record ServerHealthRow(
    string Server,
    string Name,
    string TargetResource,
    string HealthSetName,
    HealthState AlertValue,
    DateTimeOffset LastTransitionTime,
    double? LastProbeLatencyMs = null,
    string? LastError = null);

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
            .Select(m => new ServerHealthRow(m.Server, m.Name, m.TargetResource, m.HealthSet, m.AlertValue, m.LastTransitionTime, m.LastResult?.LatencyMs, m.LastResult is { Succeeded: false } r ? r.Error : null))];
    }

    static Regex Like(string pattern)
    {
        if (!Pattern().IsMatch(pattern))
        {
            throw new ArgumentException($"healthSet '{pattern}' is not a health-set name or pattern (letters, digits, '.', '*', '?'; at most 64 characters).", nameof(pattern));
        }

        var regex = "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return new Regex(regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
    }

    [GeneratedRegex(@"^[A-Za-z0-9.*?]{1,64}\z")]
    private static partial Regex Pattern();
}
