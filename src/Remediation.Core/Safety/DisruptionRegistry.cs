namespace Remediation.Safety;

/// <summary>
/// Which servers a run is draining or restarting right now, so two members of a DAG (or two CAS of a site) are never
/// taken down at once. Held from the disruptive step to the end of the run.
/// </summary>
public sealed class DisruptionRegistry
{
    readonly Lock gate = new();
    readonly Dictionary<string, (string Server, string Group)> byRun = new(StringComparer.Ordinal);

    /// <summary>Holds <paramref name="server"/> of <paramref name="group"/> for <paramref name="runId"/>, unless another server of the group is held.</summary>
    public string? TryHold(string runId, string server, string group)
    {
        lock (gate)
        {
            var other = byRun.FirstOrDefault(kv => kv.Key != runId
                && string.Equals(kv.Value.Group, group, StringComparison.OrdinalIgnoreCase));
            if (other.Key is not null)
            {
                return $"{other.Value.Server} in {group} is being drained or restarted by run {other.Key}";
            }

            byRun[runId] = (server, group);
            return null;
        }
    }

    /// <summary>Releases what <paramref name="runId"/> held.</summary>
    public void Release(string runId)
    {
        lock (gate)
        {
            byRun.Remove(runId);
        }
    }
}
