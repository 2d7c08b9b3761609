namespace Remediation.Safety;

/// <summary>
/// Managed Availability-style throttles over a group's memory: counts disruptive actions per server and per group
/// and refuses those over their limits. Acquiring is idempotent on the step's key: a retried activity is not
/// counted twice. Pure: the caller stores the state it returns (see <see cref="ISafetyStore"/>).
/// </summary>
public static class ThrottleLedger
{
    /// <summary>Takes a slot for <paramref name="action"/> on <paramref name="server"/>, or says which limit refuses it.</summary>
    public static (GroupSafety State, SafetyVerdict Verdict) TryAcquire(GroupSafety state, ThrottleRule rule, DisruptiveAction action, string server, string group, string key, DateTimeOffset now)
    {
        // Forget what no rule can count any more.
        var keep = rule.ServerMinInterval > rule.GroupMinInterval ? rule.ServerMinInterval : rule.GroupMinInterval;
        if (keep < TimeSpan.FromDays(1))
        {
            keep = TimeSpan.FromDays(1);
        }

        var taken = state.Taken.Where(t => now - t.At <= keep).ToList();
        if (taken.Any(t => t.Key == key))
        {
            return (state with { Taken = taken }, SafetyVerdict.Allow($"{action} on {server}: already counted for this step."));
        }

        var onServer = taken.Where(t => t.Action == action && Same(t.Server, server)).ToList();
        var inGroup = taken.Where(t => t.Action == action).ToList();
        var refusal = Check(onServer, now, rule.ServerMinInterval, rule.ServerMaxPerDay, $"server {server}")
            ?? Check(inGroup, now, rule.GroupMinInterval, rule.GroupMaxPerDay, $"group {group}");
        if (refusal is not null)
        {
            return (state with { Taken = taken }, new SafetyVerdict(false, Runs.RunOutcome.Throttled, $"{action} on {server} refused by the throttle: {refusal}."));
        }

        taken.Add(new ThrottleEntry(action, server, now, key));
        return (state with { Taken = taken }, SafetyVerdict.Allow($"{action} on {server} within its throttle ({onServer.Count + 1} on the server, {inGroup.Count + 1} in {group} in 24 h)."));
    }

    static string? Check(List<ThrottleEntry> previous, DateTimeOffset now, TimeSpan minInterval, int maxPerDay, string scope)
    {
        var last = previous.Count == 0 ? (DateTimeOffset?)null : previous.Max(t => t.At);
        if (last is { } at && now - at < minInterval)
        {
            return $"the last one on {scope} was {(now - at).TotalMinutes:0} min ago, the minimum interval is {minInterval.TotalMinutes:0} min";
        }

        var today = previous.Count(t => now - t.At < TimeSpan.FromDays(1));
        return today >= maxPerDay ? $"{today} already on {scope} in 24 h, the limit is {maxPerDay}" : null;
    }

    static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
