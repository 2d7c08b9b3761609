using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Remediation.AgentApi;
using Remediation.Exchange;
using Remediation.Monitoring;
using Remediation.Topology;

namespace Remediation.Safety;

/// <summary>Input of <see cref="CheckSafetyActivity"/>.</summary>
/// <param name="RunId">The run asking.</param>
/// <param name="Server">The server it would act on.</param>
/// <param name="Action">What it would do.</param>
/// <param name="StepKey">The step's idempotency key (a retried check counts once).</param>
/// <param name="Preview">Answer only: take no throttle slot and no hold (a dry run, or a step checked ahead).</param>
public sealed record SafetyRequest(string RunId, string Server, DisruptiveAction Action, string StepKey, bool Preview = false);

/// <summary>
/// Decides whether a disruptive step may go ahead (PLAYBOOKS.md section 4): maintenance windows, blast radius
/// (another healthy copy of every database; never two members of a DAG, nor the last healthy CAS of a site, at
/// once), then the throttle, last, so a refused step never uses a throttle slot.
/// </summary>
public sealed class CheckSafetyActivity(
    IOptionsMonitor<TopologyOptions> topology,
    IOptionsMonitor<ThrottleOptions> throttles,
    IOptionsMonitor<MonitorOptions> monitors,
    ISafetyStore safety,
    TimeProvider time,
    MonitorBoard board,
    AgentConnection agent,
    MaintenanceCalendar maintenance,
    Runs.IRunLedger ledger) : TaskActivity<SafetyRequest, SafetyVerdict>
{
    /// <inheritdoc />
    public override async Task<SafetyVerdict> RunAsync(TaskActivityContext context, SafetyRequest input)
    {
        var servers = topology.CurrentValue;
        var server = servers.Find(input.Server) ?? throw new ArgumentException($"Server '{input.Server}' is not in the configured topology.");
        if (await maintenance.OpenForAsync(server, CancellationToken.None) is { } window)
        {
            return Rejected(window.Describe(server.Name, maintenance.Zone));
        }

        // Every check's answer, said with the verdict when it allows: what was looked at, not only the throttle.
        var passed = new List<string> { "no maintenance window open" };

        // Exchange's own maintenance switches (Set-ServerComponentState, as Microsoft's maintenance procedure sets them):
        // a server an administrator took out of service is never touched, whatever our windows say.
        if (agent.IsConfigured && await agent.Client().GetServerComponentStatesAsync(server.Name, CancellationToken.None) is { InMaintenance: true } components)
        {
            var inactive = components.Components.Where(c => !string.Equals(c.State, "Active", StringComparison.OrdinalIgnoreCase)).Select(c => $"{c.Component} {c.State}");
            return Rejected($"{server.Name} is in Exchange's maintenance mode (Get-ServerComponentState: {string.Join(", ", inactive)}): it is never touched.");
        }

        passed.Add(agent.IsConfigured ? "not in Exchange's maintenance mode (Get-ServerComponentState)" : "Exchange's maintenance mode not read (no agent)");

        var disruptive = input.Action != DisruptiveAction.RestartService;
        var now = time.GetUtcNow();
        if (disruptive)
        {
            // What every instance has seen of the other CAS servers, not just this one.
            await board.RefreshAsync(CancellationToken.None);

            // A server holding both roles obeys both rules.
            var blastRadius = (server.Role.HasFlag(ServerRole.Mailbox) ? await DatabasesStayAvailableAsync(server, servers, passed) : null);
            if (blastRadius is null && server.Role.HasFlag(ServerRole.ClientAccess))
            {
                var outOfService = await CasOutOfServiceAsync(server, servers);
                (blastRadius, var healthy) = BlastRadius.LastHealthyCas(server, servers, name => board.Snapshot(name), now, monitors.CurrentValue.PeerSampleMaxAge, outOfService);
                passed.Add($"blast radius: {string.Join(", ", healthy)} healthy in site {server.Site ?? "default"} keep IMAP users connected");
            }

            if (blastRadius is not null)
            {
                return Rejected(blastRadius);
            }
        }

        // The group whose throttle counts: the DAG for a mailbox server, else the site's CAS servers. A server holding
        // both roles also holds its site down while it is drained or restarted, so no CAS of the site goes down with it.
        var group = server.Role.HasFlag(ServerRole.Mailbox) ? DagGroup(server) : SiteGroup(server);
        var siteToo = disruptive && server.Role.HasFlag(ServerRole.Mailbox) && server.Role.HasFlag(ServerRole.ClientAccess);
        var tookSite = false;
        if (siteToo)
        {
            var site = SiteGroup(server);
            var lapsedSite = await LapsedHoldAsync(site, server, servers, input.RunId);
            var siteVerdict = await safety.ChangeAsync(site, state =>
            {
                var current = lapsedSite is { } l && state.HolderRunId == l.RunId ? state.ReleasedBy(l.RunId) : state;
                tookSite = false;
                if (current.HolderRunId is { } holder && holder != input.RunId)
                {
                    return (state, Rejected($"Not now: {current.HolderServer} in {site} is being restarted, or was left drained, by run {holder} ({server.Name} holds both roles, so its site's hold counts too)."));
                }

                tookSite = !input.Preview && current.HolderRunId is null;
                return (input.Preview ? state : current with { HolderRunId = input.RunId, HolderServer = current.HolderServer ?? server.Name, HeldSince = current.HeldSince ?? now }, SafetyVerdict.Allow(""));
            }, CancellationToken.None);
            if (!siteVerdict.Allowed)
            {
                return siteVerdict;
            }
        }

        // One atomic change of the group: who holds it down, then the throttle (last, so a refused step never uses a
        // slot). A refusal leaves the group as it was.
        var rule = throttles.CurrentValue.For(input.Action);
        var lapsed = disruptive ? await LapsedHoldAsync(group, server, servers, input.RunId) : null;
        var verdict = await safety.ChangeAsync(group, state =>
        {
            // Released only if the run found lapsed still holds it (another host may have changed the group since).
            var current = lapsed is { } l && state.HolderRunId == l.RunId ? state.ReleasedBy(l.RunId) : state;
            var held = current;
            if (disruptive)
            {
                if (current.HolderRunId is { } holder && holder != input.RunId)
                {
                    return (state, Rejected($"Not now: {current.HolderServer} in {group} is being drained or restarted, or was left drained, by run {holder}."));
                }

                held = current.HolderRunId == input.RunId ? current : current with { HolderRunId = input.RunId, HolderServer = server.Name, HeldSince = now };
            }

            var (after, verdict) = ThrottleLedger.TryAcquire(held, rule, input.Action, server.Name, group, input.StepKey, now);
            if (lapsed is not null && current != state)
            {
                verdict = verdict with { Reason = $"{lapsed.Value.Why} {verdict.Reason}" };
            }

            if (verdict.Allowed)
            {
                verdict = verdict with { Reason = $"{verdict.Reason} Checked: {string.Join("; ", passed)}." };
            }

            if (input.Preview)
            {
                return (state, verdict.Allowed ? SafetyVerdict.Allow($"Would be allowed: {verdict.Reason}") : verdict);
            }

            return verdict.Allowed ? (after, verdict) : (state, verdict);
        }, CancellationToken.None);

        if (!verdict.Allowed && tookSite)
        {
            // Refused in its own group: the site hold taken for it a moment ago goes too.
            await safety.ChangeAsync(SiteGroup(server), state => (state.ReleasedBy(input.RunId), true), CancellationToken.None);
        }

        return verdict;
    }

    static string DagGroup(ExchangeServerOptions server) => string.IsNullOrEmpty(server.Dag) ? $"server:{server.Name}" : server.Dag;

    static string SiteGroup(ExchangeServerOptions server) => $"site:{(string.IsNullOrEmpty(server.Site) ? "default" : server.Site)}";

    /// <summary>
    /// A hold kept by a run that ended with its server drained lapses with that server's recovery: once the server can
    /// take its databases again (failed back by hand), or when a later run on the same server takes it over.
    /// </summary>
    async Task<(string RunId, string Why)?> LapsedHoldAsync(string group, ExchangeServerOptions server, TopologyOptions servers, string runId)
    {
        var state = await safety.GetAsync(group, CancellationToken.None);
        if (state.HolderRunId is not { } holder || holder == runId || state.HolderServer is not { } drained
            || await ledger.GetAsync(holder, CancellationToken.None) is not { } run || run.Outcome == Runs.RunOutcome.Running)
        {
            return null;
        }

        if (string.Equals(drained, server.Name, StringComparison.OrdinalIgnoreCase))
        {
            return (holder, $"The hold run {holder} left on {drained} passes to this run on the same server.");
        }

        if (servers.Find(drained) is not { } other || !other.Role.HasFlag(ServerRole.Mailbox))
        {
            return null;
        }

        var copies = await agent.Client().GetDatabaseCopyStatusAsync(drained, CancellationToken.None);
        return copies.ActivationDisabled == false ? (holder, $"{drained} can take its databases again since run {holder} left it drained: that hold lapsed.") : null;
    }

    // The other CAS servers of the site out of service now: inside a maintenance window of ours, or in Exchange's own
    // maintenance mode (Get-ServerComponentState): being worked on, so not the site's healthy CAS.
    async Task<Func<string, bool>> CasOutOfServiceAsync(ExchangeServerOptions server, TopologyOptions servers)
    {
        var outOfService = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var other in servers.Servers.Where(s => s != server && s.Role.HasFlag(ServerRole.ClientAccess) && string.Equals(s.Site, server.Site, StringComparison.OrdinalIgnoreCase)))
        {
            if (await maintenance.OpenForAsync(other, CancellationToken.None) is not null || await InExchangeMaintenanceAsync(other.Name))
            {
                outOfService.Add(other.Name);
            }
        }

        return outOfService.Contains;
    }

    // A peer whose component states cannot be read is not known to be in service either.
    async Task<bool> InExchangeMaintenanceAsync(string server)
    {
        if (!agent.IsConfigured)
        {
            return false;
        }

        try
        {
            return (await agent.Client().GetServerComponentStatesAsync(server, CancellationToken.None)).InMaintenance;
        }
        catch (AgentException)
        {
            return true;
        }
    }

    async Task<string?> DatabasesStayAvailableAsync(ExchangeServerOptions server, TopologyOptions servers, List<string> passed)
    {
        var client = agent.Client();
        var own = await client.GetDatabaseCopyStatusAsync(server.Name, CancellationToken.None);
        var peers = new List<DatabaseCopyStatus>();
        var notPlaces = new List<string>();
        foreach (var peer in servers.Servers.Where(s => s != server && !s.InMaintenance && !string.IsNullOrEmpty(s.Dag) && string.Equals(s.Dag, server.Dag, StringComparison.OrdinalIgnoreCase)))
        {
            // A peer in a maintenance window of ours, or in Exchange's own maintenance (component states), is being
            // worked on: no place for databases, whatever its copies read.
            if (await maintenance.OpenForAsync(peer, CancellationToken.None) is { } window)
            {
                notPlaces.Add($"{peer.Name} is in maintenance window {window.WindowId}");
                continue;
            }

            if ((await client.GetServerComponentStatesAsync(peer.Name, CancellationToken.None)).InMaintenance)
            {
                notPlaces.Add($"{peer.Name} is in Exchange's maintenance mode (Get-ServerComponentState)");
                continue;
            }

            peers.Add(await client.GetDatabaseCopyStatusAsync(peer.Name, CancellationToken.None));
        }

        var alone = BlastRadius.DatabasesLeftAlone(own, peers);
        var go = BlastRadius.WhereDatabasesGo(own, peers);
        passed.Add(go.Count == 0 ? $"blast radius: no database copy on {server.Name}" : $"blast radius: the copies that take the load: {string.Join(", ", go)}");
        return alone.Count == 0 ? null
            : $"Draining or restarting {server.Name} would leave {string.Join(", ", alone)} without another healthy copy that can be activated{(notPlaces.Count == 0 ? "" : $" ({string.Join("; ", notPlaces)})")}.";
    }

    static SafetyVerdict Rejected(string reason) => new(false, Runs.RunOutcome.Rejected, reason);
}

/// <summary>Answer of <see cref="CheckMaintenanceActivity"/>: null Window when the server is in none.</summary>
public sealed record MaintenanceAnswer(OpenMaintenance? Window, string Reason);

/// <summary>Is the server in a maintenance window now (fail-back's gate: it restores, so it needs no other check).</summary>
public sealed class CheckMaintenanceActivity(IOptionsMonitor<TopologyOptions> topology, MaintenanceCalendar maintenance) : TaskActivity<string, MaintenanceAnswer>
{
    /// <inheritdoc />
    public override async Task<MaintenanceAnswer> RunAsync(TaskActivityContext context, string input)
    {
        var server = topology.CurrentValue.Find(input) ?? throw new ArgumentException($"Server '{input}' is not in the configured topology.");
        return await maintenance.OpenForAsync(server, CancellationToken.None) is { } window
            ? new MaintenanceAnswer(window, window.Describe(server.Name, maintenance.Zone))
            : new MaintenanceAnswer(null, $"{server.Name} is in no maintenance window.");
    }
}

/// <summary>Releases every group a run held down (at the end of every run).</summary>
public sealed class ReleaseDisruptionActivity(ISafetyStore safety) : TaskActivity<string, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, string input)
    {
        await safety.ReleaseAsync(input, CancellationToken.None);
        return true;
    }
}
