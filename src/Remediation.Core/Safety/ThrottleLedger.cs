using Microsoft.Extensions.Options;

namespace Remediation.Safety;

/// <summary>
/// Counts disruptive actions per server and per group and refuses those over their limits. Acquiring is idempotent
/// on the step's key: a retried activity is not counted twice. (In memory: a host restart forgets past actions.)
/// </summary>
public sealed class ThrottleLedger(TimeProvider time, IOptionsMonitor<ThrottleOptions> options)
{
    sealed record Taken(DisruptiveAction Action, string Server, string Group, DateTimeOffset At, string Key);

    readonly Lock gate = new();
    readonly List<Taken> taken = [];

    /// <summary>Takes a slot for <paramref name="action"/> on <paramref name="server"/>, or says which limit refuses it.</summary>
    public SafetyVerdict TryAcquire(DisruptiveAction action, string server, string group, string key)
    {
        var now = time.GetUtcNow();
        var rule = options.CurrentValue.For(action);
        lock (gate)
        {
            taken.RemoveAll(t => now - t.At > TimeSpan.FromDays(1) && now - t.At > rule.ServerMinInterval && now - t.At > rule.GroupMinInterval);
            if (taken.Any(t => t.Key == key))
            {
                return SafetyVerdict.Allow($"{action} on {server}: already counted for this step.");
            }

            var onServer = taken.Where(t => t.Action == action && Same(t.Server, server)).ToList();
            var inGroup = taken.Where(t => t.Action == action && Same(t.Group, group)).ToList();
            var refusal = Check(onServer, now, rule.ServerMinInterval, rule.ServerMaxPerDay, $"server {server}")
                ?? Check(inGroup, now, rule.GroupMinInterval, rule.GroupMaxPerDay, $"group {group}");
            if (refusal is not null)
            {
                return new SafetyVerdict(false, Runs.RunOutcome.Throttled, $"{action} on {server} refused by the throttle: {refusal}.");
            }

            taken.Add(new Taken(action, server, group, now, key));
            return SafetyVerdict.Allow($"{action} on {server} within its throttle ({onServer.Count + 1} on the server, {inGroup.Count + 1} in {group} in 24 h).");
        }
    }

    static string? Check(List<Taken> previous, DateTimeOffset now, TimeSpan minInterval, int maxPerDay, string scope)
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
