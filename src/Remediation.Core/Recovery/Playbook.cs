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
        Describe);

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

    /// <summary>Restart the server and wait for it to come back.</summary>
    public Task<RestartResult> RestartServerAsync(string server) => run.ActAsync(
        "Restart server",
        $"Restart-Computer -ComputerName {server} -Wait -For PowerShell -Force",
        Args(("ComputerName", server)),
        DisruptiveAction.ServerRestart,
        key => Context.CallActivityAsync<RestartResult>(nameof(RestartServerActivity), new ServerStep(server, key), RunTimeline.AgentCall),
        r => (r.Running ? StepOutcome.Succeeded : StepOutcome.Failed, r.Detail),
        new RestartResult(server, "computer", true, 0, "dry run"));

    /// <summary>Fail back (Set-MailboxServer ... $false).</summary>
    public async Task<DatabaseCopyStatus> FailBackAsync(string server)
    {
        var status = await FailBackCallAsync(server);
        run.LeftDrained(server, false);
        return status;
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
