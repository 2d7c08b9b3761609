using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Remediation.AgentApi;
using Remediation.Escalation;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>
/// Everything around the real orchestrator, as stand-in activities registered under the real activities' names: a
/// small Exchange (services, database copies, activation, protocol logging, reboots) whose answers each test scripts,
/// the ledger, the safety gate's verdicts and the escalation channels. Every call the agent would receive is kept in
/// <see cref="AgentCalls"/>, like the agent's audit; what reached the ledger in <see cref="Steps"/>.
/// </summary>
internal sealed class StandInWorld
{
    public static readonly DateTimeOffset BootedAt = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    readonly ConcurrentQueue<string> agentCalls = new();
    readonly ConcurrentDictionary<string, int> probes = new(StringComparer.OrdinalIgnoreCase);
    readonly ConcurrentDictionary<string, bool> activationDisabled = new(StringComparer.OrdinalIgnoreCase);
    readonly ConcurrentDictionary<string, bool> movedAway = new(StringComparer.OrdinalIgnoreCase);
    readonly ConcurrentDictionary<string, bool> logging = new(StringComparer.OrdinalIgnoreCase);
    readonly ConcurrentDictionary<string, int> reboots = new(StringComparer.OrdinalIgnoreCase);
    readonly ConcurrentQueue<RunStep> steps = new();
    readonly ConcurrentQueue<SafetyRequest> safetyChecks = new();
    readonly List<string> stoodIn = [];

    /// <summary>Does the n-th (1-based) re-run of a server's probe pass? Default: never.</summary>
    public Func<string, int, bool> ProbePasses { get; set; } = (_, _) => false;

    /// <summary>What the agent answers a service restart. Default: restarted, seen running again.</summary>
    public Func<ServiceStep, RestartResult> RestartAnswer { get; set; } = s => new RestartResult(s.Server, s.Service, true, 900, $"{s.Service} restarted (pid 4242).", true);

    /// <summary>How a failed probe failed (phase, dependency area, the _Mbx: hint). Default: refused at connect.</summary>
    public Func<ProbeRequest, ProbeResult> FailedProbe { get; set; } = request => Failed(request, ProbePhase.Connect, DependencyArea.Network);

    /// <summary>Get-ServerHealth's IMAP rows per server, per read. Default: every IMAP monitor Healthy.</summary>
    public Func<string, IReadOnlyList<ServerHealthRow>> Health { get; set; } = server => Rows(server);

    /// <summary>Does Exchange's own probe (Invoke-MonitoringProbe) pass on a server? Default: no, Exchange sees the failure too.</summary>
    public Func<string, string> ExchangeProbe { get; set; } = _ => ProbeResultTypes.Failed;

    /// <summary>Where a CAS's probe mailbox's database is mounted now (null: not known, the run falls back to the configured server).</summary>
    public Func<string, string?> ProbeMailboxAt { get; set; } = _ => null;

    /// <summary>The performance monitors' counters, per read. Default: over the limit.</summary>
    public Func<CounterRequest, CounterVerdict> Counters { get; set; } = request => new(request.Monitor, true, "Average Command Processing Time 75000 ms");

    /// <summary>The safety gate's answer. Default: allowed.</summary>
    public Func<SafetyRequest, SafetyVerdict> Safety { get; set; } = request => SafetyVerdict.Allow($"{request.Action} allowed");

    /// <summary>Is the server in a maintenance window (fail-back's gate)? Default: no.</summary>
    public Func<string, MaintenanceAnswer> Maintenance { get; set; } = server => new(null, $"{server} is in no maintenance window.");

    /// <summary>Copies stay Mounted on a drained server (a fail-over that does not happen). Default: they move.</summary>
    public bool CopiesStayActive { get; set; }

    /// <summary>What Get-MailboxDatabaseCopyStatus answers after a drain, in place of the model's copies (null: the model's).</summary>
    public Func<string, DatabaseCopyStatus?> CopiesAnswer { get; set; } = _ => null;

    /// <summary>Move-ActiveMailboxDatabase leaves the databases where they are (a peer refuses). Default: they move back.</summary>
    public bool DatabasesStayAway { get; set; }

    /// <summary>A restarted server boots again and its IMAP4 services run. Default: yes.</summary>
    public bool ServerComesBack { get; set; } = true;

    /// <summary>How another server's run ends (3.2 starting 3.1 on its mailbox server). Default: Recovered.</summary>
    public RunOutcome OtherRunOutcome { get; set; } = RunOutcome.Recovered;

    /// <summary>Makes one agent operation fail like an agent that answered an error (the activity throws).</summary>
    public string? FailingOperation { get; set; }

    /// <summary>Makes one agent operation take effect and its answer get lost on the way back (a timeout after Exchange acted).</summary>
    public string? LostAnswer { get; set; }

    /// <summary>Every call the agent received, in order ("RestartService MBX1 MSExchangeIMAP4BE").</summary>
    public IReadOnlyList<string> AgentCalls => [.. agentCalls];

    /// <summary>Only the calls that change something (restarts, activation, protocol logging).</summary>
    public IReadOnlyList<string> Changes => [.. agentCalls.Where(c => !c.StartsWith("Read", StringComparison.Ordinal) && !c.StartsWith("Probe", StringComparison.Ordinal))];

    public IReadOnlyList<RunStep> Steps => [.. steps.OrderBy(s => s.Sequence)];

    public IReadOnlyList<SafetyRequest> SafetyChecks => [.. safetyChecks];

    public RunRecord? Opened { get; private set; }

    public CloseRun? Closed { get; private set; }

    public bool HoldReleased { get; private set; }

    public ConcurrentQueue<EscalationRequest> Escalations { get; } = new();

    public ConcurrentQueue<ApprovalNotice> ApprovalNotices { get; } = new();

    public ConcurrentQueue<ServerRunRequest> OtherRunsStarted { get; } = new();

    public bool ActivationDisabled(string server) => activationDisabled.GetValueOrDefault(server);

    /// <summary>As an administrator does before maintenance: activation disabled on <paramref name="server"/> (its databases moved away).</summary>
    public void DisableActivationBeforehand(string server)
    {
        activationDisabled[server] = true;
        movedAway[server] = true;
    }

    public bool ProtocolLogging(string server) => logging.GetValueOrDefault(server);

    public static ProbeResult Failed(ProbeRequest request, ProbePhase phase, DependencyArea area, string? code = null, string? mailboxServer = null) => new(
        request.Server, request.Probe, ImapHealthModel.MonitorOf(request.Probe).HealthSet, $"{request.Server}:993", BootedAt, 12, ProbeOutcome.Failed,
        phase, code, $"{phase} failed", area, new Dictionary<ProbePhase, double>(), mailboxServer);

    public static IReadOnlyList<ServerHealthRow> Rows(string server, HealthState state = HealthState.Healthy, string? unhealthyMonitor = null) =>
    [
        .. ImapHealthModel.Monitors.Select(m => new ServerHealthRow(server, m.Name, "MSExchangeIMAP4", m.HealthSet,
            unhealthyMonitor is null ? state : m.Name == unhealthyMonitor ? HealthState.Unhealthy : HealthState.Healthy, BootedAt)),
    ];

    /// <summary>Registers a stand-in for every activity the engine has (<see cref="RecoveryRegistration.Activities"/>).</summary>
    public void Register(DurableTaskRegistry tasks)
    {
        void Add<TIn, TOut>(string name, Func<TaskActivityContext, TIn, TOut> activity)
        {
            stoodIn.Add(name);
            tasks.AddActivityFunc(name, activity);
        }

        // The agent's operations.
        Add<ProbeRequest, ProbeResult>(nameof(RunImapProbeActivity), (_, r) =>
        {
            var n = probes.AddOrUpdate(r.Server, 1, (_, v) => v + 1);
            Call($"Probe {r.Server} {r.Probe}");
            return ProbePasses(r.Server, n)
                ? new ProbeResult(r.Server, r.Probe, "IMAP", $"{r.Server}:993", BootedAt, 8, ProbeOutcome.Succeeded, null, null, null, null, new Dictionary<ProbePhase, double>())
                : FailedProbe(r);
        });
        Add<string, IReadOnlyList<ServerHealthRow>>(nameof(ReadServerHealthActivity), (_, server) => Agent("ReadHealth", server, () => Health(server)));
        Add<ExchangeCheck, ExchangeVerdict>(nameof(ConfirmWithExchangeActivity), (_, c) =>
        {
            // The activity's own verdict (ConfirmWithExchangeActivity.Judge) on the scripted answers.
            var row = Agent("ReadHealth", c.Server, () => Health(c.Server)).FirstOrDefault(r => r.Name == c.Monitor);
            return ConfirmWithExchangeActivity.Judge(c, row, row?.AlertValue == HealthState.Unhealthy ? null
                : Agent("ProbeExchange", $"{c.Server} {c.Probe}", () => new MonitoringProbeResult(c.Server, $"{c.HealthSet}\\{c.Probe}", ExchangeProbe(c.Server), null, 5)));
        });
        Add<string, ProbeMailboxLocation>(nameof(LocateProbeMailboxActivity), (_, server) => Agent("ReadProbeMailbox", server, () =>
            ProbeMailboxAt(server) is { } at ? new ProbeMailboxLocation(at, $"DB1 is mounted on {at}") : new ProbeMailboxLocation(null, "No probe mailbox database configured")));
        Add<CounterRequest, CounterVerdict>(nameof(ReadImapCountersActivity), (_, r) => Agent("ReadCounters", r.Server, () => Counters(r)));
        Add<ServiceStep, RestartResult>(nameof(RestartImapServiceActivity), (_, s) =>
            Agent("RestartService", $"{s.Server} {s.Service}", () => RestartAnswer(s)));
        Add<ServerStep, ServerRestartStarted>(nameof(RestartServerActivity), (_, s) => Agent("RestartServer", s.Server, () =>
        {
            reboots.AddOrUpdate(s.Server, 1, (_, v) => v + 1);
            return new ServerRestartStarted(s.Server, BootedAt, "Restart-Computer started");
        }));
        Add<string, ServerState>(nameof(ReadServerStateActivity), (_, server) => Agent("ReadServerState", server, () =>
            ServerComesBack && reboots.TryGetValue(server, out var count)
                ? new ServerState(server, true, BootedAt.AddMinutes(count), new Dictionary<string, string> { [ImapServices.FrontEnd] = "Running", [ImapServices.BackEnd] = "Running" }, "booted, IMAP4 running")
                : new ServerState(server, false, null, new Dictionary<string, string>(), "unreachable")));
        Add<FlagStep, DatabaseCopyStatus>(nameof(SetDatabaseCopyActivationActivity), (_, f) =>
            Agent("SetActivationDisabled", $"{f.Server} {f.Value}", () =>
            {
                // Exchange 2013: $true moves the active copies away, $false only allows activation again.
                activationDisabled[f.Server] = f.Value;
                movedAway[f.Server] = movedAway.GetValueOrDefault(f.Server) || (f.Value && !CopiesStayActive);
                return CopiesOf(f.Server);
            }));
        Add<ServerStep, DatabaseCopyStatus>(nameof(ActivatePreferredOnServerActivity), (_, s) => Agent("ActivatePreferred", s.Server, () =>
        {
            movedAway[s.Server] = ActivationDisabled(s.Server) || DatabasesStayAway;
            return CopiesOf(s.Server);
        }));
        Add<string, DatabaseCopyStatus>(nameof(ReadDatabaseCopyStatusActivity), (_, server) => Agent("ReadCopies", server, () => CopiesAnswer(server) ?? CopiesOf(server)));
        Add<FlagStep, ImapSettings>(nameof(SetImapProtocolLoggingActivity), (_, f) => Agent("SetProtocolLogging", $"{f.Server} {f.Value}", () =>
        {
            logging[f.Server] = f.Value;
            return new ImapSettings(f.Server, f.Value, @"C:\Logs\Imap4");
        }));
        Add<string, ImapSettings>(nameof(ReadImapSettingsActivity), (_, server) => Agent("ReadImapSettings", server, () => new ImapSettings(server, ProtocolLogging(server), @"C:\Logs\Imap4")));

        // The safety gate and maintenance (their rules have tests of their own in Safety/).
        Add<SafetyRequest, SafetyVerdict>(nameof(CheckSafetyActivity), (_, r) =>
        {
            safetyChecks.Enqueue(r);
            return Safety(r);
        });
        Add<string, MaintenanceAnswer>(nameof(CheckMaintenanceActivity), (_, server) => Maintenance(server));
        Add<string, bool>(nameof(ReleaseDisruptionActivity), (_, _) => HoldReleased = true);

        // The ledger, escalation and other servers' runs.
        Add<RunRecord, bool>(nameof(OpenRunActivity), (_, r) => (Opened = r) is not null);
        Add<RecordRunStep, bool>(nameof(RecordRunStepActivity), (_, r) =>
        {
            steps.Enqueue(r.Step);
            return true;
        });
        Add<CloseRun, bool>(nameof(CloseRunActivity), (_, c) => (Closed ??= c) is not null);
        Add<EscalationRequest, string>(nameof(EscalateActivity), (_, e) =>
        {
            Escalations.Enqueue(e);
            return "escalated to the webhook";
        });
        Add<ApprovalNotice, string>(nameof(NotifyApprovalActivity), (_, n) =>
        {
            ApprovalNotices.Enqueue(n);
            return "no Teams workflow configured";
        });
        Add<ServerRunRequest, ServerRunTicket>(nameof(StartServerRunActivity), (_, r) =>
        {
            OtherRunsStarted.Enqueue(r);
            return new ServerRunTicket($"{r.Alert.Server.ToLowerInvariant()}-run", true, true);
        });
        Add<string, RunOutcome>(nameof(ReadRunOutcomeActivity), (_, _) => OtherRunOutcome);
    }

    /// <summary>The names of the activities <see cref="Register"/> stood in for.</summary>
    public IReadOnlyList<string> StoodIn => [.. stoodIn];

    DatabaseCopyStatus CopiesOf(string server)
    {
        var active = !movedAway.GetValueOrDefault(server);
        return new DatabaseCopyStatus(server, [new DatabaseCopy("DB1", server, active ? "Mounted" : "Healthy", 1), new DatabaseCopy("DB2", server, "Healthy", 2)], ActivationDisabled(server));
    }

    T Agent<T>(string operation, string target, Func<T> answer)
    {
        Call($"{operation} {target}");
        if (FailingOperation == operation)
        {
            throw new InvalidOperationException($"The agent answered 500 to {operation} on {target}.");
        }

        var result = answer();
        if (LostAnswer == operation)
        {
            throw new TimeoutException($"The agent did not answer {operation} on {target} within 100 seconds.");
        }

        return result;
    }

    void Call(string call) => agentCalls.Enqueue(call);
}
