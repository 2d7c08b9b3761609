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
    ISafetyStore safety,
    TimeProvider time,
    MonitorBoard board,
    AgentConnection agent) : TaskActivity<SafetyRequest, SafetyVerdict>
{
    /// <inheritdoc />
    public override async Task<SafetyVerdict> RunAsync(TaskActivityContext context, SafetyRequest input)
    {
        var servers = topology.CurrentValue;
        var server = servers.Find(input.Server) ?? throw new ArgumentException($"Server '{input.Server}' is not in the configured topology.");
        if (server.InMaintenance)
        {
            return Rejected($"{server.Name} is in a maintenance window: it is probed, never touched.");
        }

        var group = server.Role.HasFlag(ServerRole.Mailbox)
            ? string.IsNullOrEmpty(server.Dag) ? $"server:{server.Name}" : server.Dag
            : $"site:{(string.IsNullOrEmpty(server.Site) ? "default" : server.Site)}";
        var disruptive = input.Action != DisruptiveAction.RestartService;
        if (disruptive)
        {
            // A server holding both roles obeys both rules.
            var blastRadius = (server.Role.HasFlag(ServerRole.Mailbox) ? await DatabasesStayAvailableAsync(server, servers) : null)
                ?? (server.Role.HasFlag(ServerRole.ClientAccess) ? BlastRadius.LastHealthyCas(server, servers, name => board.Snapshot(name)) : null);
            if (blastRadius is not null)
            {
                return Rejected(blastRadius);
            }
        }

        // One atomic change of the group: who holds it down, then the throttle (last, so a refused step never uses a
        // slot). A refusal leaves the group as it was.
        var rule = throttles.CurrentValue.For(input.Action);
        var now = time.GetUtcNow();
        return await safety.ChangeAsync(group, state =>
        {
            var held = state;
            if (disruptive)
            {
                if (state.HolderAt(now) is { } holder && holder != input.RunId)
                {
                    return (state, Rejected($"Not now: {state.HolderServer} in {group} is being drained or restarted by run {holder}."));
                }

                held = state.HolderRunId == input.RunId ? state : state with { HolderRunId = input.RunId, HolderServer = server.Name, HeldSince = now };
            }

            var (after, verdict) = ThrottleLedger.TryAcquire(held, rule, input.Action, server.Name, group, input.StepKey, now);
            if (input.Preview)
            {
                return (state, verdict.Allowed ? SafetyVerdict.Allow($"Would be allowed: {verdict.Reason}") : verdict);
            }

            return verdict.Allowed ? (after, verdict) : (state, verdict);
        }, CancellationToken.None);
    }

    async Task<string?> DatabasesStayAvailableAsync(ExchangeServerOptions server, TopologyOptions servers)
    {
        var client = agent.Client();
        var own = await client.GetDatabaseCopyStatusAsync(server.Name, CancellationToken.None);
        var peers = new List<DatabaseCopyStatus>();
        foreach (var peer in servers.Servers.Where(s => s != server && !s.InMaintenance && !string.IsNullOrEmpty(s.Dag) && string.Equals(s.Dag, server.Dag, StringComparison.OrdinalIgnoreCase)))
        {
            peers.Add(await client.GetDatabaseCopyStatusAsync(peer.Name, CancellationToken.None));
        }

        var alone = BlastRadius.DatabasesLeftAlone(own, peers);
        return alone.Count == 0 ? null
            : $"Draining or restarting {server.Name} would leave {string.Join(", ", alone)} without another healthy copy that can be activated.";
    }

    static SafetyVerdict Rejected(string reason) => new(false, Runs.RunOutcome.Rejected, reason);
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
