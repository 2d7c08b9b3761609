using Microsoft.DurableTask;
using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>The runbook's building blocks, each one recorded step: restart IMAP4, re-run probe, drain, restart, fail back...</summary>
internal sealed partial class RunbookSteps(RecoveryRun run)
{
    /// <summary>Step names the run reconciler reads back from a dead run's record (what it left on or drained).</summary>
    public const string ProtocolLoggingOn = "Turn protocol logging on", ProtocolLoggingOff = "Turn protocol logging off", FailDatabasesOver = "Fail databases over";

    TaskOrchestrationContext Context => run.Recorder.Context;

    StepRecorder Recorder => run.Recorder;

    public RecoveryRun Run => run;

    static Dictionary<string, string> Args(params (string Key, string Value)[] args) => args.ToDictionary(a => a.Key, a => a.Value);

    /// <summary>"Restart IMAP4": the service that matches the failing monitor (the agent stops and starts it through CIM).</summary>
    public Task<RestartResult> RestartImapAsync(string server, string service, bool cleanUp = false) => run.Safety.ActAsync(
        $"Restart {service}",
        // What the agent really runs (PowerShellExchangeExecutor: Invoke-CimMethod has no -Filter; StopService and
        // StartService are instance methods, so the instance is read first and piped).
        $"Get-CimInstance -ComputerName {server} -ClassName Win32_Service -Filter \"Name='{service}'\" | Invoke-CimMethod -MethodName StopService, then StartService",
        Args(("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", $"Name='{service}'"), ("MethodName", "StopService, StartService")),
        DisruptiveAction.RestartService,
        key => Context.CallActivityAsync<RestartResult>(nameof(RestartImapServiceActivity), new ServiceStep(server, service, key), StepRecorder.AgentCall),
        r => (r.Running && r.Restarted != false ? StepOutcome.Succeeded : StepOutcome.Failed, r.Detail),
        new RestartResult(server, service, true, 0, "dry run"),
        cleanUp);

    // The run's first failed re-probe: what a recovery is measured against.
    ProbeResult? firstFailure;

    /// <summary>
    /// Why a run that restarted <paramref name="service"/> recovered, in what was seen: "fixed" only when the service
    /// was seen restarted; the failure before and the probe that passed after, with their times.
    /// </summary>
    public string RecoveredAfterRestart(string server, string service, MonitorDefinition monitor, RestartResult restart, ProbeResult passed)
    {
        ArgumentNullException.ThrowIfNull(restart);
        ArgumentNullException.ThrowIfNull(passed);
        var before = firstFailure is { } f ? $"{f.Probe} failed at {f.StartedAt:HH:mm:ss}Z ({f.Summary}); " : "";
        var seen = $"Seen: {before}it passed at {passed.StartedAt:HH:mm:ss}Z after the restart ({restart.Detail})";
        return restart.Restarted == false
            ? $"{monitor.Name} passes again on {server}, but {service} was not seen restarted: something else changed (a person, or Exchange's own responder). {seen}"
            : $"Restarting {service} on {server} fixed {monitor.Name}. {seen}";
    }

    /// <summary>"Re-run probe" (runbook section 2.3): this product's own probe, not Exchange's Invoke-MonitoringProbe.</summary>
    public async Task<ProbeResult> ReprobeAsync(string server, MonitorDefinition monitor)
    {
        var result = await Reprobe(server, monitor);
        if (!result.Succeeded)
        {
            firstFailure ??= result;
        }

        return result;
    }

    Task<ProbeResult> Reprobe(string server, MonitorDefinition monitor)
    {
        Recorder.ThrowIfCancelled();
        return Recorder.DecideAsync(
            "Re-run probe",
            $"{monitor.Probe} on {server}: this product's IMAP probe (MailKit), in place of Invoke-MonitoringProbe {monitor.HealthSet}\\{monitor.Probe}",
            Args(("Probe", monitor.Probe!), ("HealthSet", monitor.HealthSet), ("Server", server)),
            () => Context.CallActivityAsync<ProbeResult>(nameof(RunImapProbeActivity), new ProbeRequest(server, monitor.Probe!)),
            r => (r.Result switch { ProbeOutcome.Succeeded => StepOutcome.Succeeded, ProbeOutcome.TimedOut => StepOutcome.TimedOut, _ => StepOutcome.Failed }, r.Summary),
            new ProbeResult(server, monitor.Probe!, monitor.HealthSet, "(preview)", Recorder.Now, 0, ProbeOutcome.Failed, ProbePhase.Connect, null, "Preview: assumed still failing", null, new Dictionary<ProbePhase, double>(), null),
            "Preview: assumed still failing, so the run goes on to its next step.");
    }

    /// <summary>
    /// Before the first disruptive step: does Exchange agree that <paramref name="monitor"/> is unhealthy (its own health
    /// row, else its own probe)? Null when it does; else why the run must touch nothing: our probe alone failing is the
    /// product's problem (its probe account, or the path to the server), not the server's.
    /// </summary>
    public async Task<string?> ExchangeDisagreesAsync(string server, MonitorDefinition monitor, ProbeResult ours)
    {
        Recorder.ThrowIfCancelled();
        var verdict = await Recorder.DecideAsync(
            "Confirm with Exchange",
            $"Get-ServerHealth {server} ({monitor.Name}), then if it is not Unhealthy: Invoke-MonitoringProbe -Identity {monitor.HealthSet}\\{monitor.Probe} -Server {server}",
            Args(("Server", server), ("Monitor", monitor.Name), ("Probe", $"{monitor.HealthSet}\\{monitor.Probe}")),
            () => Context.CallActivityAsync<ExchangeVerdict>(nameof(ConfirmWithExchangeActivity), new ExchangeCheck(server, monitor.HealthSet, monitor.Name, monitor.Probe!), StepRecorder.AgentCall),
            v => (v.Agrees ? StepOutcome.Succeeded : StepOutcome.Rejected, v.Evidence),
            new ExchangeVerdict(true, "Preview: assumed Exchange agrees"),
            "Preview: assumed Exchange agrees that the monitor is unhealthy, so the run goes on to its next step.");
        if (verdict.Agrees)
        {
            return null;
        }

        var account = ours.DependencyArea == DependencyArea.Authentication
            ? $" Our probe failed at {ours.FailedPhase} with an authentication error: the probe account (its password, a lock-out, an expiry) is the likely cause."
            : " The path from this product to the server (network, Hybrid Connection, TLS) or the probe's own settings are the likely cause.";
        return $"Exchange does not agree that {monitor.Name} is unhealthy on {server}: {verdict.Evidence} Only this product's probe fails ({ours.Summary}).{account} This is the product's problem, not the server's: nothing was touched.";
    }

    /// <summary>The performance monitors' verification: read the IMAP4 counters and judge them by the monitor's limit.</summary>
    public Task<CounterVerdict> ReadCountersAsync(string server, MonitorDefinition monitor)
    {
        Recorder.ThrowIfCancelled();
        return Recorder.DecideAsync(
            "Read IMAP4 counters",
            $"Get-Counter -Counter '\\MSExchangeImap4(*)\\Average Command Processing Time (milliseconds)' -ComputerName {server}",
            Args(("ComputerName", server), ("Monitor", monitor.Name)),
            () => Context.CallActivityAsync<CounterVerdict>(nameof(ReadImapCountersActivity), new CounterRequest(server, monitor.Name), StepRecorder.AgentCall),
            v => (StepOutcome.Succeeded, v.Evidence),
            new CounterVerdict(monitor.Name, true, "Preview: assumed over the limit"),
            "Preview: assumed over the limit, so the run goes on to its next step.");
    }

    /// <summary>
    /// Has <paramref name="server"/> (another server) recovered for <paramref name="monitor"/>: its run is started, or
    /// joined when one is going, through the same per-server identity as alerts; this run waits for it to end.
    /// </summary>
    public Task<RunOutcome> RecoverOtherServerAsync(string server, MonitorDefinition monitor, string why, DateTimeOffset observedAt)
    {
        Recorder.ThrowIfCancelled();
        ServerRunTicket? ticket = null;
        return Recorder.DecideAsync(
            $"Recover mailbox server {server} (playbook 3.1)",
            $"Run of {nameof(ImapRecoveryOrchestrator)} on {server} for {monitor.Name} (started, or joined when one is going)",
            Args(("Server", server), ("Monitor", monitor.Name)),
            async () =>
            {
                var alert = new Alerts.Alert($"{run.Request.RunId}:{server.ToLowerInvariant()}", server, monitor.HealthSet, monitor.Name, "Run", why, observedAt);
                ticket = await Context.CallActivityAsync<ServerRunTicket>(nameof(StartServerRunActivity), new ServerRunRequest(alert, run.Request.RunId), StepRecorder.LedgerCall);
                return await run.Waits.WaitForRunAsync(ticket, server);
            },
            outcome => (
                outcome is RunOutcome.Recovered or RunOutcome.Transient ? StepOutcome.Succeeded : StepOutcome.Failed,
                $"Run {ticket?.RunId} ({(ticket?.IsNew == true ? "started by this run" : ticket?.IsGoing == true ? "already going" : "ended since the failure was seen")}) {(outcome == RunOutcome.Running ? $"had not ended after {run.Settings.OtherRunWait}" : $"ended {outcome}")}."),
            RunOutcome.Running,
            $"Preview: would start (or join) the run of {server} and wait up to {run.Settings.OtherRunWait} for it; assumed not recovered.");
    }

    /// <summary>
    /// The mailbox server behind <paramref name="server"/>'s probe mailbox: the one the proxy named (an <c>_Mbx:</c>
    /// hint in <paramref name="probe"/>'s error), else where the probe mailbox's database is mounted now (Exchange's
    /// copy status), else the configured one. Runs before version 3 used the hint or the configuration only.
    /// </summary>
    public async Task<string?> MailboxBehindAsync(string server, ProbeResult probe)
    {
        if (MailboxHint.Find(probe.Error) is not null || run.Version < RecoveryVersions.ProbeMailboxLocated)
        {
            return probe.MailboxServer ?? run.Request.ProbeMailboxServer;
        }

        var found = await Recorder.StepAsync(
            "Locate the probe mailbox",
            $"Get-MailboxDatabaseCopyStatus: where the database of {server}'s probe mailbox is mounted now",
            Args(("Server", server)),
            () => Context.CallActivityAsync<ProbeMailboxLocation>(nameof(LocateProbeMailboxActivity), server, StepRecorder.AgentCall),
            l => (StepOutcome.Succeeded, l.Evidence));
        return found.MailboxServer ?? probe.MailboxServer ?? run.Request.ProbeMailboxServer;
    }

    /// <summary>Get-ServerHealth server | ?{$_.HealthSetName -like "IMAP*"}.</summary>
    public Task<IReadOnlyList<ServerHealthRow>> ReadHealthAsync(string server) => Recorder.StepAsync(
        "Read server health",
        $"Get-ServerHealth {server} | ?{{$_.HealthSetName -like \"IMAP*\"}}",
        Args(("Identity", server)),
        () => Context.CallActivityAsync<IReadOnlyList<ServerHealthRow>>(nameof(ReadServerHealthActivity), server, StepRecorder.AgentCall),
        rows => (StepOutcome.Succeeded, rows.Count == 0 ? "No IMAP monitors reported." : string.Join("; ", rows.Select(r => $"{r.Name}={r.AlertValue}{ChangedSinceTheAlert(r)}"))));

    // A monitor Exchange reports Healthy that changed after this run's alert was raised: reset or recovered since, and
    // not yet proven by a probe of ours; said so, so a reader does not take it for a monitor that never failed.
    string ChangedSinceTheAlert(ServerHealthRow row) =>
        row.AlertValue == HealthState.Healthy && row.LastTransitionTime > run.Request.Alert.RaisedAt
            ? $" (since {row.LastTransitionTime:HH:mm:ss}Z, after the alert: reset or recovered since, not yet proven by a probe)"
            : "";

    /// <summary>Set-ImapSettings -ProtocolLogEnabled (no safety gate: it is part of gathering evidence and of cleaning up).</summary>
    public Task<ImapSettings> SetProtocolLoggingAsync(string server, bool enabled, bool cleanUp = false)
    {
        var step = enabled ? ProtocolLoggingOn : ProtocolLoggingOff;
        var operation = $"Set-ImapSettings -Server {server} -ProtocolLogEnabled ${enabled.ToString().ToLowerInvariant()}";
        var args = Args(("Server", server), ("ProtocolLogEnabled", enabled ? "$true" : "$false"));
        Task<ImapSettings> Act(string key) => Context.CallActivityAsync<ImapSettings>(nameof(SetImapProtocolLoggingActivity), new FlagStep(server, enabled, key), StepRecorder.AgentCall);
        (StepOutcome, string) Describe(ImapSettings s) => (s.ProtocolLogEnabled == enabled ? StepOutcome.Succeeded : StepOutcome.Failed, $"ProtocolLogEnabled={s.ProtocolLogEnabled}, LogFileLocation={s.LogFileLocation}");
        var dry = new ImapSettings(server, enabled, "");

        // Clean-up runs even after a cancel: it is the step that must never be skipped.
        return cleanUp && !run.Settings.DryRun
            ? Recorder.StepAsync(step, operation, args, () => Act($"{run.Request.RunId}:{step}"), Describe)
            : run.Safety.ActAsync(step, operation, args, null, Act, Describe, dry);
    }

    /// <summary>Get-ImapSettings: the protocol log location for the evidence.</summary>
    public Task<ImapSettings> ReadImapSettingsAsync(string server) => Recorder.StepAsync(
        "Record protocol log location",
        $"Get-ImapSettings -Server {server}",
        Args(("Server", server)),
        () => run.Settings.DryRun
            ? Task.FromResult(new ImapSettings(server, false, "(dry run)"))
            : Context.CallActivityAsync<ImapSettings>(nameof(ReadImapSettingsActivity), server, StepRecorder.AgentCall),
        s => (StepOutcome.Succeeded, $"LogFileLocation={s.LogFileLocation}"));
}
