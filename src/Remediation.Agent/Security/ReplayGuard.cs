namespace Remediation.Agent.Security;

/// <summary>Remembers nonces for twice the clock-skew window: a request seen once is refused the second time.</summary>
public sealed class ReplayGuard(TimeProvider time)
{
    readonly Lock gate = new();
    readonly Dictionary<string, DateTimeOffset> seen = new(StringComparer.Ordinal);

    /// <summary>True the first time <paramref name="nonce"/> is seen within <paramref name="keep"/>.</summary>
    public bool TryUse(string keyId, string nonce, TimeSpan keep)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (seen.Count > 10_000)
            {
                foreach (var old in seen.Where(kv => kv.Value < now).Select(kv => kv.Key).ToList())
                {
                    seen.Remove(old);
                }
            }

            var id = $"{keyId}\n{nonce}";
            if (seen.TryGetValue(id, out var until) && until >= now)
            {
                return false;
            }

            seen[id] = now + keep;
            return true;
        }
    }
}
