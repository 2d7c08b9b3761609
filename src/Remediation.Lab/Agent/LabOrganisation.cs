using Remediation.AgentApi;
using Remediation.Imap;

namespace Remediation.Lab.Agent;

/// <summary>
/// The simulated Exchange organisation behind the lab agent: its servers are the lab's Dovecot processes; its
/// DAG holds one database per mailbox server, each with a copy on every mailbox server.
/// </summary>
public sealed partial class LabOrganisation
{
    /// <summary>The DAG every lab mailbox server belongs to.</summary>
    public const string Dag = "DAG1";

    readonly Lock gate = new();
    readonly List<Copy> copies = [];
    readonly HashSet<string> activationDisabled = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, string> autoActivationPolicy = new(StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> replicationDown = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<(string Server, string Component), string> componentStates = [];
    readonly HashSet<string> healthProbesFailing = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, bool> protocolLog = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, bool> protocolLogApplied = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, DateTimeOffset> booted = new(StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> rebooting = new(StringComparer.OrdinalIgnoreCase);
    readonly DateTimeOffset labBooted;
    readonly Dictionary<string, ImapCounters> counters = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, int> restarts = new(StringComparer.OrdinalIgnoreCase);

    readonly TimeProvider time;
    readonly LabAgentOptions options;

    /// <summary>
    /// Builds the organisation over <paramref name="lab"/>, as slow as Exchange in the ways that matter (timings from
    /// <paramref name="options"/>): a database moved by a fail-over reads Dismounting/Mounting for a while; a server
    /// restart takes the server away, brings the OS back, and only later its IMAP4 services; a protocol-log setting
    /// applies at the next IMAP4 restart.
    /// </summary>
    public LabOrganisation(ImapLab lab, TimeProvider? time = null, LabAgentOptions? options = null)
    {
        Lab = lab;
        this.time = time ?? TimeProvider.System;
        this.options = options ?? new LabAgentOptions();
        labBooted = this.time.GetUtcNow().AddDays(-1);
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

    /// <summary>Sets the protocol-logging flag (Set-ImapSettings): the running IMAP4 service goes on as it was.</summary>
    public void SetProtocolLog(string server, bool enabled)
    {
        lock (gate)
        {
            protocolLog[server] = enabled;
        }
    }

    /// <summary>
    /// Whether the running IMAP4 service really logs: the setting as it was at its last (re)start, as on Exchange,
    /// where Set-ImapSettings -ProtocolLogEnabled takes effect only once the service restarts.
    /// </summary>
    public bool ProtocolLogApplied(string server)
    {
        lock (gate)
        {
            return protocolLogApplied.GetValueOrDefault(server);
        }
    }

    /// <summary>An IMAP4 service of <paramref name="server"/> (re)started: it reads its settings again.</summary>
    public void ImapServiceStarted(string server)
    {
        lock (gate)
        {
            protocolLogApplied[server] = protocolLog.GetValueOrDefault(server);
            counters[server] = new ImapCounters(server, 12, 0); // a restarted service starts with an empty queue
        }
    }

    /// <summary>
    /// Restart-Computer -Force: the server goes down now (its processes killed), its OS is back after BootDelay (a new
    /// boot time), its IMAP4 services ImapStartDelay later. <paramref name="effective"/> false: it reboots, and what
    /// broke IMAP stays broken (no process is touched). Answers the boot time before.
    /// </summary>
    public DateTimeOffset BeginRestart(string server, bool effective)
    {
        DateTimeOffset before;
        lock (gate)
        {
            if (!rebooting.Add(server))
            {
                throw new Remediation.Agent.Operations.ExchangeOperationException("Restart-Computer", $"{server} is already restarting.");
            }

            before = booted.GetValueOrDefault(server, labBooted);
        }

        var processes = effective ? Processes(server).ToList() : [];
        restartsUnderWay.Add(Task.Run(() => RebootAsync(server, processes)));
        return before;
    }

    readonly System.Collections.Concurrent.ConcurrentBag<Task> restartsUnderWay = [];

    /// <summary>
    /// Waits until nothing is in motion: no server restarting and no database between Mounting and Dismounting (what a
    /// test waits for before the next one, as an operator would before touching the DAG again).
    /// </summary>
    public async Task SettleAsync(CancellationToken cancellationToken = default)
    {
        // WhenAny: a reboot that failed (Dovecot would not start) has settled too; its processes read Stopped.
        await Task.WhenAny(Task.WhenAll(restartsUnderWay), Task.Delay(Timeout.Infinite, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            lock (gate)
            {
                if (!copies.Exists(Moving))
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }
    }

    async Task RebootAsync(string server, List<DovecotInstance> processes)
    {
        try
        {
            foreach (var process in processes)
            {
                await process.StopAsync(hard: true);
            }

            await Task.Delay(options.BootDelay, time);
            lock (gate)
            {
                booted[server] = time.GetUtcNow();
                rebooting.Remove(server);
            }

            await Task.Delay(options.ImapStartDelay, time);
            foreach (var process in processes)
            {
                await process.StartAsync();
            }

            if (processes.Count > 0)
            {
                ImapServiceStarted(server);
            }
        }
        catch (ObjectDisposedException)
        {
            // The lab was stopped while this server rebooted: nothing comes back.
        }
        finally
        {
            lock (gate)
            {
                rebooting.Remove(server);
            }
        }
    }

    /// <summary>What Win32_OperatingSystem and Win32_Service would say: unreachable while down, then each IMAP4 process.</summary>
    public ServerState State(string server)
    {
        lock (gate)
        {
            if (rebooting.Contains(server))
            {
                return new ServerState(server, false, null, new Dictionary<string, string>(), $"WinRM cannot complete the operation: {server} is restarting.");
            }

            var services = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var service in ImapServices.All)
            {
                if (ServiceProcess(server, service) is { } process)
                {
                    services[service] = process.IsStarting ? "Start Pending" : process.IsRunning ? "Running" : "Stopped";
                }
            }

            var at = booted.GetValueOrDefault(server, labBooted);
            return new ServerState(server, true, at, services, $"Booted {at:u}; {string.Join(", ", services.Select(kv => $"{kv.Key} {kv.Value}"))}.");
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
