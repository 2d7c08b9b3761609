using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Topology;

namespace Remediation.Safety;

/// <summary>
/// The blast-radius rules (PLAYBOOKS.md section 4), pure so every rule has its unit test. A server holding both roles
/// obeys both.
/// </summary>
public static class BlastRadius
{
    /// <summary>
    /// The other Client Access servers of <paramref name="server"/>'s site known healthy now (who keeps IMAP users
    /// connected while it restarts): probed, every monitor Healthy on a sample no older than <paramref name="freshFor"/>
    /// at <paramref name="now"/> (a CAS never probed, failing, under repair, or whose last sample is stale is not), and
    /// not in maintenance: neither marked so in settings nor inside a maintenance window now (<paramref name="inWindow"/>).
    /// The refusal is null when there is one; else it says why the server may not be restarted.
    /// </summary>
    public static (string? Refusal, IReadOnlyList<string> Healthy) LastHealthyCas(
        ExchangeServerOptions server,
        TopologyOptions topology,
        Func<string, IReadOnlyList<MonitorSnapshot>> health,
        DateTimeOffset now,
        TimeSpan freshFor,
        Func<string, bool>? inWindow = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(health);
        var others = CasPeers(server, topology);
        var healthy = others.Where(s => !s.InMaintenance && inWindow?.Invoke(s.Name) != true && IsKnownHealthy(health(s.Name), now, freshFor)).Select(s => s.Name).ToList();
        if (healthy.Count > 0)
        {
            return (null, healthy);
        }

        var why = others.Count == 0 ? "no other Client Access server in the site" : $"none of {string.Join(", ", others.Select(o => o.Name))} is known healthy (probed within {(freshFor < TimeSpan.FromMinutes(1) ? $"{freshFor.TotalSeconds:0.#} s" : $"{freshFor.TotalMinutes:0.#} min")}, every monitor Healthy, not in maintenance)";
        return ($"{server.Name} is the last healthy Client Access server of site {server.Site ?? "default"} ({why}): restarting it would cut every IMAP user off.", healthy);
    }

    static List<ExchangeServerOptions> CasPeers(ExchangeServerOptions server, TopologyOptions topology) =>
        [.. topology.Servers.Where(s => s != server && s.Role.HasFlag(ServerRole.ClientAccess) && string.Equals(s.Site, server.Site, StringComparison.OrdinalIgnoreCase))];

    /// <summary>
    /// Which copies take the load: each of the server's databases and the peers holding a copy of it that can really be
    /// activated ("DB1 on MBX2"); a database with none is one of <see cref="DatabasesLeftAlone"/>.
    /// </summary>
    public static IReadOnlyList<string> WhereDatabasesGo(DatabaseCopyStatus own, IEnumerable<DatabaseCopyStatus> peers)
    {
        ArgumentNullException.ThrowIfNull(own);
        var takers = Activatable(peers);
        return [.. own.Copies.Select(c => c.Database).Distinct(StringComparer.OrdinalIgnoreCase).Where(takers.Contains)
            .Select(d => $"{d} on {string.Join(" or ", takers[d].Distinct(StringComparer.OrdinalIgnoreCase))}")];
    }

    // Per database, the peers with a copy Exchange would really activate: Healthy or Mounted, activation neither
    // disabled nor Blocked.
    static ILookup<string, string> Activatable(IEnumerable<DatabaseCopyStatus> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        return peers
            .Where(p => p.ActivationDisabled != true && !string.Equals(p.AutoActivationPolicy, "Blocked", StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Copies.Where(c => CopyStatus.CanServe(c.Status)).Select(c => (c.Database, p.Server)))
            .ToLookup(x => x.Database, x => x.Server, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The databases on the server that would be left without another copy that can really be activated: Healthy or
    /// Mounted, on a peer of its DAG whose activation is neither disabled nor Blocked (DatabaseCopyAutoActivationPolicy,
    /// an administrator's maintenance switch: Exchange never activates a copy there). Empty when draining or
    /// restarting is safe.
    /// </summary>
    public static IReadOnlyList<string> DatabasesLeftAlone(DatabaseCopyStatus own, IEnumerable<DatabaseCopyStatus> peers)
    {
        ArgumentNullException.ThrowIfNull(own);
        var activatable = Activatable(peers);
        return [.. own.Copies.Select(c => c.Database).Where(d => !activatable.Contains(d)).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    static bool IsKnownHealthy(IReadOnlyList<MonitorSnapshot> monitors, DateTimeOffset now, TimeSpan freshFor)
    {
        var watched = monitors.Where(m => m.AlertValue != HealthState.Disabled).ToList();
        return watched.Count > 0 && watched.All(m => m.AlertValue == HealthState.Healthy && m.LastSampleAt is { } sampled && now - sampled <= freshFor);
    }
}
