using Remediation.AgentApi;

namespace Remediation.Lab.Agent;

/// <summary>The lab DAG's databases: their copies, what Get-MailboxDatabaseCopyStatus reads, fail-over and fail-back.</summary>
public sealed partial class LabOrganisation
{
    sealed class Copy(string database, string server, int preference)
    {
        bool active;

        public string Database { get; } = database;
        public string Server { get; } = server;
        public int Preference { get; } = preference;
        public DateTimeOffset? ChangedAt { get; private set; }

        public bool Active => active;

        public void SetActive(bool value, DateTimeOffset? at)
        {
            if (active != value)
            {
                active = value;
                ChangedAt = at;
            }
        }
    }

    /// <summary>
    /// Copies on <paramref name="server"/>, with Exchange's status words, where each database is mounted in the DAG's
    /// view (ActiveDatabaseCopy), and the server's activation settings (disabled, auto-activation policy).
    /// </summary>
    public DatabaseCopyStatus CopyStatus(string server)
    {
        lock (gate)
        {
            // ServiceDown is the Microsoft Exchange Replication service not answering (Get-MailboxDatabaseCopyStatus
            // reference), not IMAP: the lab's server reads it while it reboots, or when a test takes replication down.
            var replicationDown = rebooting.Contains(server) || this.replicationDown.Contains(server);
            return new DatabaseCopyStatus(server, [.. copies
                .Where(c => string.Equals(c.Server, server, StringComparison.OrdinalIgnoreCase))
                .Select(c => new DatabaseCopy(
                    c.Database,
                    c.Server,
                    replicationDown ? AgentApi.CopyStatus.ServiceDown : Moving(c) ? (c.Active ? AgentApi.CopyStatus.Mounting : AgentApi.CopyStatus.Dismounting) : c.Active ? AgentApi.CopyStatus.Mounted : AgentApi.CopyStatus.Healthy,
                    c.Preference,
                    copies.FirstOrDefault(o => o.Database == c.Database && o.Active)?.Server.ToLowerInvariant(),
                    0,
                    0))],
                activationDisabled.Contains(server),
                autoActivationPolicy.GetValueOrDefault(server, "Unrestricted"));
        }
    }

    /// <summary>Takes the server's Microsoft Exchange Replication service down (its copies read ServiceDown) or back.</summary>
    public void SetReplicationService(string server, bool running)
    {
        lock (gate)
        {
            if (running)
            {
                replicationDown.Remove(server);
            }
            else
            {
                replicationDown.Add(server);
            }
        }
    }

    /// <summary>Set-MailboxServer -DatabaseCopyAutoActivationPolicy, as an administrator sets it for maintenance: Blocked copies are never activated.</summary>
    public void SetAutoActivationPolicy(string server, string policy)
    {
        lock (gate)
        {
            autoActivationPolicy[server] = policy;
        }
    }

    bool CanActivateOn(string server) =>
        !activationDisabled.Contains(server) && !string.Equals(autoActivationPolicy.GetValueOrDefault(server), "Blocked", StringComparison.OrdinalIgnoreCase) && IsRunning(server);

    /// <summary>
    /// -DatabaseCopyActivationDisabledAndMoveNow $true: every active copy moves to the best healthy copy on a server
    /// whose activation is allowed; a database with no such copy stays where it is. $false: activation allowed again,
    /// and nothing moves (Exchange 2013: Microsoft's Set-MailboxServer reference; only Move-ActiveMailboxDatabase
    /// moves databases back, see <see cref="ActivatePreferredOn"/>).
    /// </summary>
    public void SetActivationDisabled(string server, bool disabledAndMoveNow)
    {
        lock (gate)
        {
            if (disabledAndMoveNow)
            {
                activationDisabled.Add(server);
                foreach (var active in copies.Where(c => c.Active && Same(c.Server, server)).ToList())
                {
                    var target = copies
                        .Where(c => c.Database == active.Database && !Same(c.Server, server) && CanActivateOn(c.Server))
                        .OrderBy(c => c.Preference)
                        .FirstOrDefault();
                    if (target is not null)
                    {
                        var now = time.GetUtcNow();
                        active.SetActive(false, now);
                        target.SetActive(true, now);
                    }
                }
            }
            else
            {
                activationDisabled.Remove(server);
            }
        }
    }

    /// <summary>
    /// Move-ActiveMailboxDatabase -ActivatePreferredOnServer: every database whose preferred copy (activation
    /// preference 1) is on <paramref name="server"/> becomes active there again, when the server runs and its
    /// activation is allowed; the others stay where they are.
    /// </summary>
    public void ActivatePreferredOn(string server)
    {
        lock (gate)
        {
            if (!CanActivateOn(server))
            {
                return;
            }

            foreach (var preferred in copies.Where(c => c.Preference == 1 && Same(c.Server, server) && !c.Active).ToList())
            {
                var now = time.GetUtcNow();
                copies.Where(c => c.Database == preferred.Database).ToList().ForEach(c => c.SetActive(false, now));
                preferred.SetActive(true, now);
            }
        }
    }

    bool Moving(Copy copy) => copy.ChangedAt is { } at && time.GetUtcNow() - at < options.MoveDuration;

    /// <summary>True when activation is blocked on <paramref name="server"/>.</summary>
    public bool IsActivationDisabled(string server)
    {
        lock (gate)
        {
            return activationDisabled.Contains(server);
        }
    }
}
