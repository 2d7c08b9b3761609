using Remediation.AgentApi;
using Remediation.Imap;

namespace Remediation.Lab.Agent;

/// <summary>
/// The simulated Exchange organisation behind the lab agent: its servers are the lab's Dovecot processes; its
/// DAG holds one database per mailbox server, each with a copy on every mailbox server.
/// </summary>
public sealed class LabOrganisation
{
    /// <summary>The DAG every lab mailbox server belongs to.</summary>
    public const string Dag = "DAG1";

    readonly Lock gate = new();
    readonly List<Copy> copies = [];
    readonly HashSet<string> activationDisabled = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, bool> protocolLog = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, ImapCounters> counters = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, int> restarts = new(StringComparer.OrdinalIgnoreCase);

    readonly TimeProvider time;
    readonly TimeSpan moveDuration;

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
    /// Builds the organisation over <paramref name="lab"/>. As on Exchange, a database moved by a fail-over is not there
    /// at once: for <paramref name="moveDuration"/> its old copy reads Dismounting and its new one Mounting.
    /// </summary>
    public LabOrganisation(ImapLab lab, TimeProvider? time = null, TimeSpan moveDuration = default)
    {
        Lab = lab;
        this.time = time ?? TimeProvider.System;
        this.moveDuration = moveDuration;
        var mailboxServers = lab.Definition.MailboxServers.Select(s => s.Name).ToList();
        for (var i = 0; i < mailboxServers.Count; i++)
        {
            var database = $"DB{i + 1}";
            for (var j = 0; j < mailboxServers.Count; j++)
            {
                var server = mailboxServers[(i + j) % mailboxServers.Count];
                var copy = new Copy(database, server, j + 1);
                copy.SetActive(j == 0, null);
                copies.Add(copy);
            }
        }
    }

    /// <summary>The lab whose processes are the servers.</summary>
    public ImapLab Lab { get; }

    /// <summary>Counts a service or server restart (what tests check to prove nothing ran twice).</summary>
    public void CountRestart(string server)
    {
        lock (gate)
        {
            restarts[server] = restarts.GetValueOrDefault(server) + 1;
        }
    }

    /// <summary>Service and server restarts performed on <paramref name="server"/>.</summary>
    public int Restarts(string server)
    {
        lock (gate)
        {
            return restarts.GetValueOrDefault(server);
        }
    }

    /// <summary>Counter values the lab reports (set by fault injection).</summary>
    public void SetCounters(ImapCounters value)
    {
        lock (gate)
        {
            counters[value.Server] = value;
        }
    }

    /// <summary>Current counters of <paramref name="server"/>.</summary>
    public ImapCounters Counters(string server)
    {
        lock (gate)
        {
            return counters.TryGetValue(server, out var value) ? value : new ImapCounters(server, 12, 0);
        }
    }

    /// <summary>The protocol-logging flag of <paramref name="server"/>.</summary>
    public bool ProtocolLogEnabled(string server)
    {
        lock (gate)
        {
            return protocolLog.GetValueOrDefault(server);
        }
    }

    /// <summary>Sets the protocol-logging flag.</summary>
    public void SetProtocolLog(string server, bool enabled)
    {
        lock (gate)
        {
            protocolLog[server] = enabled;
        }
    }

    /// <summary>Copies on <paramref name="server"/>, with Exchange's status words.</summary>
    public DatabaseCopyStatus CopyStatus(string server)
    {
        lock (gate)
        {
            var running = IsRunning(server);
            return new DatabaseCopyStatus(server, [.. copies
                .Where(c => string.Equals(c.Server, server, StringComparison.OrdinalIgnoreCase))
                .Select(c => new DatabaseCopy(c.Database, c.Server, Moving(c) ? (c.Active ? "Mounting" : "Dismounting") : !running ? "ServiceDown" : c.Active ? "Mounted" : "Healthy", c.Preference))],
                activationDisabled.Contains(server));
        }
    }

    /// <summary>
    /// -DatabaseCopyActivationDisabledAndMoveNow $true: every active copy moves to the best healthy copy on a server
    /// whose activation is allowed; a database with no such copy stays where it is. $false: activation allowed again,
    /// and databases whose preferred server this is move back.
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
                        .Where(c => c.Database == active.Database && !Same(c.Server, server) && !activationDisabled.Contains(c.Server) && IsRunning(c.Server))
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
                foreach (var preferred in copies.Where(c => c.Preference == 1 && Same(c.Server, server) && !c.Active && IsRunning(server)).ToList())
                {
                    var now = time.GetUtcNow();
                    copies.Where(c => c.Database == preferred.Database).ToList().ForEach(c => c.SetActive(false, now));
                    preferred.SetActive(true, now);
                }
            }
        }
    }

    bool Moving(Copy copy) => copy.ChangedAt is { } at && time.GetUtcNow() - at < moveDuration;

    /// <summary>True when activation is blocked on <paramref name="server"/>.</summary>
    public bool IsActivationDisabled(string server)
    {
        lock (gate)
        {
            return activationDisabled.Contains(server);
        }
    }

    /// <summary>The Dovecot process that plays <paramref name="service"/> on <paramref name="server"/>, or null when the server does not run it.</summary>
    public DovecotInstance? ServiceProcess(string server, string service) =>
        string.Equals(service, ImapServices.BackEnd, StringComparison.OrdinalIgnoreCase) ? Lab.MailboxServers.GetValueOrDefault(server)
        : string.Equals(service, ImapServices.FrontEnd, StringComparison.OrdinalIgnoreCase) ? Lab.ClientAccessServers.GetValueOrDefault(server)
        : null;

    /// <summary>Every process of <paramref name="server"/>.</summary>
    public IEnumerable<DovecotInstance> Processes(string server) =>
        Lab.Instances.Where(i => Same(i.Name, server));

    /// <summary>True when the server is in the lab.</summary>
    public bool Exists(string server) => Processes(server).Any();

    bool IsRunning(string server) => Processes(server).All(p => p.IsRunning);

    static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
