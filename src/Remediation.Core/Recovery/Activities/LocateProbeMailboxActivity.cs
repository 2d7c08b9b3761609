using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Remediation.Exchange;
using Remediation.Topology;

namespace Remediation.Recovery.Activities;

/// <summary>Where a CAS's probe mailbox is served from now, and how that was learned.</summary>
/// <param name="MailboxServer">The mailbox server (a topology name), or null when none is known.</param>
/// <param name="Evidence">What was read, for the run's timeline.</param>
public sealed record ProbeMailboxLocation(string? MailboxServer, string Evidence);

/// <summary>
/// The mailbox server behind a CAS's probe mailbox, as Exchange has it now: where the probe mailbox's database is
/// mounted in the DAG's view (Get-MailboxDatabaseCopyStatus, ActiveDatabaseCopy), read from the configured server
/// first, then from the other mailbox servers. After a fail-over that is not the configured server. The configured
/// server when the database is not configured or nobody answers.
/// </summary>
public sealed class LocateProbeMailboxActivity(AgentConnection agent, IOptionsMonitor<TopologyOptions> topology) : TaskActivity<string, ProbeMailboxLocation>
{
    /// <inheritdoc />
    public override async Task<ProbeMailboxLocation> RunAsync(TaskActivityContext context, string input)
    {
        var servers = topology.CurrentValue;
        var mailbox = servers.Find(input)?.ProbeMailbox;
        var configured = mailbox?.MailboxServer;
        if (mailbox?.Database is not { Length: > 0 } database || !agent.IsConfigured)
        {
            return new(configured, $"No probe mailbox database configured for {input}: the configured mailbox server{(configured is null ? " (none)" : $" {configured}")}.");
        }

        var asked = new List<string>();
        foreach (var server in new[] { configured }.Concat(servers.Servers.Where(s => s.Role.HasFlag(ServerRole.Mailbox)).Select(s => s.Name)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            try
            {
                var copy = (await agent.Client().GetDatabaseCopyStatusAsync(server, CancellationToken.None)).Copies
                    .FirstOrDefault(c => string.Equals(c.Database, database, StringComparison.OrdinalIgnoreCase));
                if (copy?.ActiveOn is { } on)
                {
                    var name = servers.FindByHint(on)?.Name ?? on;
                    return new(name, $"{database}, the probe mailbox's database, is mounted on {on} (Get-MailboxDatabaseCopyStatus -Server {server}){(string.Equals(name, configured, StringComparison.OrdinalIgnoreCase) ? "" : $", not on the configured {configured}")}.");
                }

                asked.Add($"{server}: {(copy is null ? "no copy" : $"{copy.Status}, mounted nowhere it knows of")}");
            }
            catch (AgentException ex)
            {
                asked.Add($"{server}: {ex.Message}");
            }
        }

        return new(configured, $"Where {database} is mounted could not be read ({string.Join("; ", asked)}): the configured mailbox server {configured}.");
    }
}
