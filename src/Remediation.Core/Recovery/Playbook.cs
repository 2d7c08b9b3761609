using System.Globalization;
using Microsoft.DurableTask;
using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>How a playbook ended.</summary>
internal sealed record PlaybookResult(RunOutcome Outcome, string Reason);

/// <summary>The runbook's building blocks, each one recorded step: restart IMAP4, re-run probe, drain, restart, fail back...</summary>
internal sealed class Playbook(RunTimeline run)
{
    TaskOrchestrationContext Context => run.Context;

    public RunTimeline Run => run;

    static Dictionary<string, string> Args(params (string Key, string Value)[] args) => args.ToDictionary(a => a.Key, a => a.Value);

    // A preview's verification: the step is recorded where the run would take it, its answer assumed (the worst path).
    Task<T> Assumed<T>(string name, string what, T result) =>
        run.StepAsync(name, $"{what} (preview: not called, assumed still failing)", Args(("Preview", "true")), () => Task.FromResult(result), _ => (StepOutcome.DryRun, "Preview: assumed still failing, so the run goes on to its next step."));

    /// <summary>"Restart IMAP4": the service that matches the failing monitor (the agent stops and starts it through CIM).</summary>
    public Task<RestartResult> RestartImapAsync(string server, string service, bool cleanUp = false) => run.ActAsync(
        $"Restart {service}",
        $"Invoke-CimMethod -ComputerName {server} -ClassName Win32_Service -Filter \"Name='{service}'\" -MethodName StopService, then StartService",
        Args(("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", $"Name='{service}'"), ("MethodName", "StopService, StartService")),
        DisruptiveAction.RestartService,
        key => Context.CallActivityAsync<RestartResult>(nameof(RestartImapServiceActivity), new ServiceStep(server, service, key), RunTimeline.AgentCall),
        r => (r.Running ? StepOutcome.Succeeded : StepOutcome.Failed, r.Detail),
        new RestartResult(server, service, true, 0, "dry run"),
        cleanUp);

    /// <summary>"Re-run probe" (runbook section 2.3): this product's own probe, not Exchange's Invoke-MonitoringProbe.</summary>
    public Task<ProbeResult> ReprobeAsync(string server, MonitorDefinition monitor)
    {
        run.ThrowIfCancelled();
        if (run.IsPreview)
        {
            return Assumed(
                "Re-run probe",
                $"{monitor.Probe} on {server}",
                new ProbeResult(server, monitor.Probe!, monitor.HealthSet, "(preview)", run.Now, 0, ProbeOutcome.Failed, ProbePhase.Connect, null, "Preview: assumed still failing", null, new Dictionary<ProbePhase, double>(), null));
        }

        return run.StepAsync(
            "Re-run probe",
            $"{monitor.Probe} on {server}: this product's IMAP probe (MailKit), in place of Invoke-MonitoringProbe {monitor.HealthSet}\\{monitor.Probe}",
            Args(("Probe", monitor.Probe!), ("HealthSet", monitor.HealthSet), ("Server", server)),
            () => Context.CallActivityAsync<ProbeResult>(nameof(RunImapProbeActivity), new ProbeRequest(server, monitor.Probe!)),
            r => (r.Result switch { ProbeOutcome.Succeeded => StepOutcome.Succeeded, ProbeOutcome.TimedOut => StepOutcome.TimedOut, _ => StepOutcome.Failed }, r.Summary));
    }

    /// <summary>The performance monitors' verification: read the IMAP4 counters and judge them by the monitor's limit.</summary>
    public Task<CounterVerdict> ReadCountersAsync(string server, MonitorDefinition monitor)
    {
        run.ThrowIfCancelled();
        if (run.IsPreview)
        {
            return Assumed("Read IMAP4 counters", $"the IMAP4 counters of {server}", new CounterVerdict(monitor.Name, true, "Preview: assumed over the limit"));
        }

        return run.StepAsync(
            "Read IMAP4 counters",
            $"Get-Counter '\\MSExchangeImap4\\Average Command Processing Time','\\MSExchangeImap4\\Requests Queued' -ComputerName {server}",
            Args(("ComputerName", server), ("Monitor", monitor.Name)),
            () => Context.CallActivityAsync<CounterVerdict>(nameof(ReadImapCountersActivity), new CounterRequest(server, monitor.Name), RunTimeline.AgentCall),
            v => (StepOutcome.Succeeded, v.Evidence));
    }

    /// <summary>
    /// Has <paramref name="server"/> (another server) recovered for <paramref name="monitor"/>: its run is started, or
    /// joined when one is going, through the same per-server identity as alerts; this run waits for it to end.
    /// </summary>
    public Task<RunOutcome> RecoverOtherServerAsync(string server, MonitorDefinition monitor, string why, DateTimeOffset observedAt)
    {
        run.ThrowIfCancelled();
        if (run.IsPreview)
        {
            // A preview starts nothing: it says which run the real one would start or join, and takes the worst path.
            return run.StepAsync(
                $"Recover mailbox server {server} (playbook 3.1)",
                $"Run of {nameof(ImapRecoveryOrchestrator)} on {server} for {monitor.Name} (started, or joined when one is going)",
                Args(("Server", server), ("Monitor", monitor.Name)),
                () => Task.FromResult(RunOutcome.Running),
                _ => (StepOutcome.DryRun, $"Preview: would start (or join) the run of {server} and wait up to {run.Request.Settings.OtherRunWait} for it; assumed not recovered."));
        }

        ServerRunTicket? ticket = null;
        return run.StepAsync(
            $"Recover mailbox server {server} (playbook 3.1)",
            $"Run of {nameof(ImapRecoveryOrchestrator)} on {server} for {monitor.Name} (started, or joined when one is going)",
            Args(("Server", server), ("Monitor", monitor.Name)),
            async () =>
            {
                var alert = new Alerts.Alert($"{run.Request.RunId}:{server.ToLowerInvariant()}", server, monitor.HealthSet, monitor.Name, "Run", why, observedAt);
                ticket = await Context.CallActivityAsync<ServerRunTicket>(nameof(StartServerRunActivity), new ServerRunRequest(alert, run.Request.RunId), RunTimeline.LedgerCall);
                return await run.WaitForRunAsync(ticket, server);
            },
            outcome => (
                outcome is RunOutcome.Recovered or RunOutcome.Transient ? StepOutcome.Succeeded : StepOutcome.Failed,
                $"Run {ticket?.RunId} ({(ticket?.IsNew == true ? "started by this run" : ticket?.IsGoing == true ? "already going" : "ended since the failure was seen")}) {(outcome == RunOutcome.Running ? $"had not ended after {run.Request.Settings.OtherRunWait}" : $"ended {outcome}")}."));
    }

    /// <summary>
    /// Fail the server's databases over (Set-MailboxServer ... $true), only once the server restart it commits to has
    /// been approved and would pass the safety gate: a refused restart never leaves the server drained.
    /// </summary>
    public async Task<DatabaseCopyStatus> DrainAsync(string server)
    {
        await run.CheckAheadAsync("Restart server", DisruptiveAction.ServerRestart);
        var status = await FailOverAsync(server);
        run.LeftDrained(server, !run.Request.Settings.DryRun);
        return status;
    }

    Task<DatabaseCopyStatus> FailOverAsync(string server) => run.ActAsync(
        "Fail databases over",
        $"Set-MailboxServer -Identity {server} -DatabaseCopyActivationDisabledAndMoveNow $true",
        Args(("Identity", server), ("DatabaseCopyActivationDisabledAndMoveNow", "$true")),
        DisruptiveAction.DatabaseFailover,
        key => Context.CallActivityAsync<DatabaseCopyStatus>(nameof(SetDatabaseCopyActivationActivity), new FlagStep(server, true, key), RunTimeline.AgentCall),
        Describe,
        new DatabaseCopyStatus(server, []));

    /// <summary>
    /// Get-MailboxDatabaseCopyStatus -Server | Group Status, read again every PollInterval until no copy is Mounting or
    /// Dismounting (a fail-over takes seconds to minutes), at most CopySettleWait: "no active copy" on a settled reading.
    /// </summary>
    public Task<DatabaseCopyStatus> CopyStatusAsync(string server) => run.StepAsync(
        "Check active copies",
        $"Get-MailboxDatabaseCopyStatus -Server {server} | Group Status (until no copy is Mounting or Dismounting)",
        Args(("Server", server)),
        async () =>
        {
            if (run.Request.Settings.DryRun)
            {
                return new DatabaseCopyStatus(server, []);
            }

            var settings = run.Request.Settings;
            var looks = (int)Math.Ceiling(settings.CopySettleWait / settings.PollInterval);
            var status = await Context.CallActivityAsync<DatabaseCopyStatus>(nameof(ReadDatabaseCopyStatusActivity), server, RunTimeline.AgentCall);
            for (var look = 0; !status.IsSettled && look < looks; look++)
            {
                await run.WaitAsync(settings.PollInterval, $"for the database copies of {server} to settle");
                status = await Context.CallActivityAsync<DatabaseCopyStatus>(nameof(ReadDatabaseCopyStatusActivity), server, RunTimeline.AgentCall);
            }

            return status;
        },
        s => run.Request.Settings.DryRun
            ? (StepOutcome.DryRun, $"Dry run: would read the copies of {server} every {run.Request.Settings.PollInterval}, up to {run.Request.Settings.CopySettleWait}, until none is Mounting or Dismounting.")
            : Describe(s));

    /// <summary>
    /// The CAS playbooks' "restart the server" (3.2 step 4, 3.3): a server that also holds the mailbox role is drained
    /// first, like 3.1, and never rebooted with a copy still active. Returns null when restarted (drained: whether it
    /// was), or why it was not.
    /// </summary>
    public async Task<(bool Drained, string? NotRestarted)> RestartCasServerAsync(string server)
    {
        var drained = run.Request.Role.HasFlag(Topology.ServerRole.Mailbox);
        if (drained)
        {
            await DrainAsync(server);
            var copies = await CopyStatusAsync(server);
            if (!copies.HasNoActiveCopy)
            {
                return (true, $"Copies are still active on {server} (it also holds the mailbox role) after the fail-over: it was not restarted. Fail-back decided: none; activation stays disabled.");
            }
        }

        await RestartServerAsync(server);
        return (drained, null);
    }

    /// <summary>
    /// "Restart the server": Restart-Computer -Force (the agent answers once the restart has started), then durable
    /// timers: every PollInterval, up to RestartWait, read the server until it has booted again and its IMAP4 services
    /// run (the OS answering is not enough: IMAP4 starts minutes later). True when it came back within the wait.
    /// </summary>
    public async Task<bool> RestartServerAsync(string server)
    {
        var started = await run.ActAsync(
            "Restart server",
            $"Restart-Computer -ComputerName {server} -Force",
            Args(("ComputerName", server), ("Force", "$true")),
            DisruptiveAction.ServerRestart,
            key => Context.CallActivityAsync<ServerRestartStarted>(nameof(RestartServerActivity), new ServerStep(server, key), RunTimeline.AgentCall),
            r => (StepOutcome.Succeeded, r.Detail),
            new ServerRestartStarted(server, DateTimeOffset.MinValue, "dry run"));
        var settings = run.Request.Settings;
        var services = ServicesOf(run.Request.Role);
        if (settings.DryRun)
        {
            return await run.StepAsync(
                "Wait for the server to come back",
                $"Get-CimInstance -ComputerName {server} -ClassName Win32_OperatingSystem, Win32_Service {string.Join(", ", services)} (every {settings.PollInterval}, up to {settings.RestartWait})",
                Args(("ComputerName", server), ("Services", string.Join(",", services))),
                () => Task.FromResult(true),
                _ => (StepOutcome.DryRun, $"Dry run: would watch {server} every {settings.PollInterval}, up to {settings.RestartWait}, until it has booted again and {string.Join(", ", services)} run."));
        }

        var state = await run.StepAsync(
            "Wait for the server to come back",
            $"Get-CimInstance -ComputerName {server} -ClassName Win32_OperatingSystem, Win32_Service {string.Join(", ", services)} (every {settings.PollInterval}, up to {settings.RestartWait})",
            Args(("ComputerName", server), ("BootedBefore", started.BootedBefore.ToString("u", CultureInfo.InvariantCulture)), ("Services", string.Join(",", services))),
            async () =>
            {
                var looks = (int)Math.Ceiling(settings.RestartWait / settings.PollInterval);
                for (var look = 1; ; look++)
                {
                    await run.WaitAsync(settings.PollInterval, $"for {server} to come back from its restart");
                    var now = await Context.CallActivityAsync<ServerState>(nameof(ReadServerStateActivity), server, RunTimeline.AgentCall);
                    if (now.IsBackFrom(started.BootedBefore, services) || look >= looks)
                    {
                        return now;
                    }
                }
            },
            s => s.IsBackFrom(started.BootedBefore, services)
                ? (StepOutcome.Succeeded, $"Back: {s.Detail}")
                : (StepOutcome.TimedOut, $"Not back within {settings.RestartWait}: {(s.Reachable ? s.Detail : $"unreachable ({s.Detail})")}"));
        return state.IsBackFrom(started.BootedBefore, services);
    }

    /// <summary>The IMAP4 services a server of <paramref name="role"/> runs.</summary>
    static string[] ServicesOf(Topology.ServerRole role) =>
    [
        .. role.HasFlag(Topology.ServerRole.ClientAccess) ? [ImapServices.FrontEnd] : Array.Empty<string>(),
        .. role.HasFlag(Topology.ServerRole.Mailbox) ? [ImapServices.BackEnd] : Array.Empty<string>(),
    ];

    /// <summary>
    /// Fail back (Set-MailboxServer ... $false), outside maintenance windows only: fail-back moves databases back onto
    /// the server, so inside one it waits for the window to close (at most MaintenanceWait), looking again after it.
    /// False when it did not fail back (the server stays drained, its hold kept, and the run's reason says why).
    /// </summary>
    public async Task<bool> FailBackAsync(string server)
    {
        var settings = run.Request.Settings;
        var giveUpAt = run.Now + settings.MaintenanceWait;
        string? stillIn = null;

        // Bounded: windows can follow one another, but not forever within one run's history.
        for (var look = 0; look < 8; look++)
        {
            var answer = await run.StepAsync(
                "Maintenance check: Fail back",
                $"Maintenance windows covering {server} (fail-back restores capacity: no throttle or blast-radius check)",
                Args(("Server", server)),
                () => Context.CallActivityAsync<MaintenanceAnswer>(nameof(CheckMaintenanceActivity), server, RunTimeline.LedgerCall),
                a => (a.Window is null ? StepOutcome.Allowed : StepOutcome.Rejected, a.Reason));
            stillIn = answer.Reason;
            if (answer.Window is null || settings.DryRun)
            {
                await FailBackCallAsync(server);
                run.LeftDrained(server, false);
                return true;
            }

            if (answer.Window.Until is not { } until || until > giveUpAt)
            {
                break;
            }

            // Looked at again once it closes: another window may follow.
            await run.WaitAsync(until - run.Now + TimeSpan.FromSeconds(1), $"for maintenance window {answer.Window.WindowId} on {server} to close before failing back");
        }

        run.AddClosingNote($"Fail-back decided: not done: {stillIn} Activation stays disabled on {server}; fail back once the window closes, then release the hold.");
        return false;
    }

    Task<DatabaseCopyStatus> FailBackCallAsync(string server) => run.ActAsync(
        "Fail back",
        $"Set-MailboxServer -Identity {server} -DatabaseCopyActivationDisabledAndMoveNow $false",
        Args(("Identity", server), ("DatabaseCopyActivationDisabledAndMoveNow", "$false")),
        null,
        key => Context.CallActivityAsync<DatabaseCopyStatus>(nameof(SetDatabaseCopyActivationActivity), new FlagStep(server, false, key), RunTimeline.AgentCall),
        Describe,
        new DatabaseCopyStatus(server, []));

    /// <summary>Get-ServerHealth server | ?{$_.HealthSetName -like "IMAP*"}.</summary>
    public Task<IReadOnlyList<ServerHealthRow>> ReadHealthAsync(string server) => run.StepAsync(
        "Read server health",
        $"Get-ServerHealth {server} | ?{{$_.HealthSetName -like \"IMAP*\"}}",
        Args(("Identity", server)),
        () => Context.CallActivityAsync<IReadOnlyList<ServerHealthRow>>(nameof(ReadServerHealthActivity), server, RunTimeline.AgentCall),
        rows => (StepOutcome.Succeeded, rows.Count == 0 ? "No IMAP monitors reported." : string.Join("; ", rows.Select(r => $"{r.Name}={r.AlertValue}"))));

    /// <summary>Set-ImapSettings -ProtocolLogEnabled (no safety gate: it is part of gathering evidence and of cleaning up).</summary>
    public Task<ImapSettings> SetProtocolLoggingAsync(string server, bool enabled, bool cleanUp = false)
    {
        var step = enabled ? "Turn protocol logging on" : "Turn protocol logging off";
        var operation = $"Set-ImapSettings -Server {server} -ProtocolLogEnabled ${enabled.ToString().ToLowerInvariant()}";
        var args = Args(("Server", server), ("ProtocolLogEnabled", enabled ? "$true" : "$false"));
        Task<ImapSettings> Act(string key) => Context.CallActivityAsync<ImapSettings>(nameof(SetImapProtocolLoggingActivity), new FlagStep(server, enabled, key), RunTimeline.AgentCall);
        (StepOutcome, string) Describe(ImapSettings s) => (s.ProtocolLogEnabled == enabled ? StepOutcome.Succeeded : StepOutcome.Failed, $"ProtocolLogEnabled={s.ProtocolLogEnabled}, LogFileLocation={s.LogFileLocation}");
        var dry = new ImapSettings(server, enabled, "");

        // Clean-up runs even after a cancel: it is the step that must never be skipped.
        return cleanUp && !run.Request.Settings.DryRun
            ? run.StepAsync(step, operation, args, () => Act($"{run.Request.RunId}:{step}"), Describe)
            : run.ActAsync(step, operation, args, null, Act, Describe, dry);
    }

    /// <summary>Get-ImapSettings: the protocol log location for the evidence.</summary>
    public Task<ImapSettings> ReadImapSettingsAsync(string server) => run.StepAsync(
        "Record protocol log location",
        $"Get-ImapSettings -Server {server}",
        Args(("Server", server)),
        () => run.Request.Settings.DryRun
            ? Task.FromResult(new ImapSettings(server, false, "(dry run)"))
            : Context.CallActivityAsync<ImapSettings>(nameof(ReadImapSettingsActivity), server, RunTimeline.AgentCall),
        s => (StepOutcome.Succeeded, $"LogFileLocation={s.LogFileLocation}"));

    static (StepOutcome, string) Describe(DatabaseCopyStatus status) =>
        (StepOutcome.Succeeded, status.Copies.Count == 0 ? "No copies reported." : string.Join(", ", status.ByStatus.Select(kv => $"{kv.Key}: {kv.Value}")));
}
