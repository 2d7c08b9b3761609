using System.Globalization;
using Microsoft.DurableTask;
using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>The server-level steps: drain (fail databases over), check active copies, restart the server and watch it come back, fail back.</summary>
internal sealed partial class RunbookSteps
{
    /// <summary>
    /// Fail the server's databases over (Set-MailboxServer ... $true), only once the server restart it commits to has
    /// been approved and would pass the safety gate: a refused restart never leaves the server drained.
    /// </summary>
    public async Task<DatabaseCopyStatus> DrainAsync(string server)
    {
        await run.Safety.CheckAheadAsync("Restart server", DisruptiveAction.ServerRestart);
        await ReadActivationAsFoundAsync(server);

        // Marked drained before asking: an answer that never comes back must not release the DAG's hold.
        run.LeftDrained(server, !run.Settings.DryRun);
        try
        {
            return await FailOverAsync(server);
        }
        catch (RunStoppedException)
        {
            // Refused or cancelled before the agent was asked: nothing moved.
            run.LeftDrained(server, false);
            throw;
        }
        catch (TaskFailedException ex)
        {
            throw new RunStoppedException(RunOutcome.Failed, await AfterALostDrainAsync(server, ex.FailureDetails.ErrorMessage));
        }
    }

    // The drain's answer is not definite (a timeout, a reset connection, an error after Exchange acted): what Exchange
    // says now decides whether the server counts as drained, and the run says which.
    async Task<string> AfterALostDrainAsync(string server, string error)
    {
        DatabaseCopyStatus? now = null;
        try
        {
            now = await Recorder.StepAsync(
                "Read back after the fail-over",
                $"Get-MailboxServer -Identity {server}; Get-MailboxDatabaseCopyStatus -Server {server}",
                Args(("Server", server)),
                () => Context.CallActivityAsync<DatabaseCopyStatus>(nameof(ReadDatabaseCopyStatusActivity), server, StepRecorder.AgentCall),
                Describe);
        }
        catch (TaskFailedException)
        {
            // Could not be read either: treated as drained below (the hold is kept; a human looks).
        }

        var failed = $"Fail databases over on {server} did not answer definitely ({error}).";
        if (now is { ActivationDisabled: false } && !run.WasDisabledBeforeTheRun(server) && now.NotProvenDrained() is not null)
        {
            run.LeftDrained(server, false);
            return $"{failed} Read back: activation is allowed on {server} and its copies did not move ({Describe(now).Item2}): nothing changed, the server is not drained.";
        }

        return now is null
            ? $"{failed} It could not be read back either: {server} is treated as drained, activation possibly disabled; its DAG's hold is kept until an operator checks Get-MailboxServer {server} and releases it."
            : $"{failed} Read back: {(now.ActivationDisabled == true ? $"activation is disabled on {server}" : $"activation on {server} is {now.ActivationDisabled?.ToString() ?? "not read"}")} ({Describe(now).Item2}): it is drained or part-drained, so its DAG's hold is kept. Fail-back decided: none; a human decides.";
    }

    // What an administrator had set before this run: fail-back leaves it as found (never enables what they disabled).
    async Task ReadActivationAsFoundAsync(string server)
    {
        var found = await Recorder.StepAsync(
            "Read activation as found",
            $"Get-MailboxServer -Identity {server} (DatabaseCopyActivationDisabledAndMoveNow, DatabaseCopyAutoActivationPolicy)",
            Args(("Identity", server)),
            () => run.Settings.DryRun
                ? Task.FromResult(new DatabaseCopyStatus(server, []))
                : Context.CallActivityAsync<DatabaseCopyStatus>(nameof(ReadDatabaseCopyStatusActivity), server, StepRecorder.AgentCall),
            s => run.Settings.DryRun
                ? (StepOutcome.DryRun, $"Dry run: would read how {server}'s activation is set before draining it.")
                : (StepOutcome.Succeeded, $"DatabaseCopyActivationDisabledAndMoveNow={s.ActivationDisabled?.ToString() ?? "not read"}, DatabaseCopyAutoActivationPolicy={s.AutoActivationPolicy ?? "not read"}"));
        run.ActivationAsFound(server, found.ActivationDisabled == true);
    }

    Task<DatabaseCopyStatus> FailOverAsync(string server) => run.Safety.ActAsync(
        FailDatabasesOver,
        $"Set-MailboxServer -Identity {server} -DatabaseCopyActivationDisabledAndMoveNow $true",
        Args(("Identity", server), ("DatabaseCopyActivationDisabledAndMoveNow", "$true")),
        DisruptiveAction.DatabaseFailover,
        key => Context.CallActivityAsync<DatabaseCopyStatus>(nameof(SetDatabaseCopyActivationActivity), new FlagStep(server, true, key), StepRecorder.AgentCall),
        Describe,
        new DatabaseCopyStatus(server, []));

    /// <summary>
    /// Get-MailboxDatabaseCopyStatus -Server | Group Status, read again every PollInterval until no copy is Mounting or
    /// Dismounting (a fail-over takes seconds to minutes), at most CopySettleWait: "no active copy" on a settled reading.
    /// </summary>
    public Task<DatabaseCopyStatus> CopyStatusAsync(string server) => Recorder.StepAsync(
        "Check active copies",
        $"Get-MailboxDatabaseCopyStatus -Server {server} | Group Status (until no copy is Mounting or Dismounting)",
        Args(("Server", server)),
        async () =>
        {
            if (run.Settings.DryRun)
            {
                return new DatabaseCopyStatus(server, []);
            }

            return await run.Waits.PollAsync(
                () => Context.CallActivityAsync<DatabaseCopyStatus>(nameof(ReadDatabaseCopyStatusActivity), server, StepRecorder.AgentCall),
                status => status.IsSettled,
                run.Settings.CopySettleWait,
                $"for the database copies of {server} to settle");
        },
        s => run.Settings.DryRun
            ? (StepOutcome.DryRun, $"Dry run: would read the copies of {server} every {run.Settings.PollInterval}, up to {run.Settings.CopySettleWait}, until none is Mounting or Dismounting.")
            : Describe(s));

    /// <summary>
    /// Check active copies (settled), then judge them by <see cref="DatabaseCopyStatus.NotProvenDrained"/>: null when the
    /// server may be restarted, else why not (the statuses). A dry run reads nothing and goes on.
    /// </summary>
    public async Task<string?> NotProvenDrainedAsync(string server)
    {
        var copies = await CopyStatusAsync(server);
        return run.Settings.DryRun ? null : copies.NotProvenDrained();
    }

    /// <summary>How many server restarts this run has asked for so far (whatever their outcome).</summary>
    public int ServerRestarts { get; private set; }

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
            if (await NotProvenDrainedAsync(server) is { } doubt)
            {
                return (true, $"Not proven that no database is active on {server} (it also holds the mailbox role) after the fail-over ({doubt}): it was not restarted. Fail-back decided: none; activation stays disabled.");
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
        ServerRestarts++;
        var started = await run.Safety.ActAsync(
            "Restart server",
            $"Restart-Computer -ComputerName {server} -Force",
            Args(("ComputerName", server), ("Force", "$true")),
            DisruptiveAction.ServerRestart,
            key => Context.CallActivityAsync<ServerRestartStarted>(nameof(RestartServerActivity), new ServerStep(server, key), StepRecorder.AgentCall),
            r => (StepOutcome.Succeeded, r.Detail),
            new ServerRestartStarted(server, DateTimeOffset.MinValue, "dry run"));
        var settings = run.Settings;
        var services = ServicesOf(run.Request.Role);
        if (settings.DryRun)
        {
            return await Recorder.StepAsync(
                "Wait for the server to come back",
                $"Get-CimInstance -ComputerName {server} -ClassName Win32_OperatingSystem, Win32_Service {string.Join(", ", services)} (every {settings.PollInterval}, up to {settings.RestartWait})",
                Args(("ComputerName", server), ("Services", string.Join(",", services))),
                () => Task.FromResult(true),
                _ => (StepOutcome.DryRun, $"Dry run: would watch {server} every {settings.PollInterval}, up to {settings.RestartWait}, until it has booted again and {string.Join(", ", services)} run."));
        }

        var state = await Recorder.StepAsync(
            "Wait for the server to come back",
            $"Get-CimInstance -ComputerName {server} -ClassName Win32_OperatingSystem, Win32_Service {string.Join(", ", services)} (every {settings.PollInterval}, up to {settings.RestartWait})",
            Args(("ComputerName", server), ("BootedBefore", started.BootedBefore.ToString("u", CultureInfo.InvariantCulture)), ("Services", string.Join(",", services))),
            () => run.Waits.PollAsync(
                () => Context.CallActivityAsync<ServerState>(nameof(ReadServerStateActivity), server, StepRecorder.AgentCall),
                now => now.IsBackFrom(started.BootedBefore, services),
                settings.RestartWait,
                $"for {server} to come back from its restart",
                waitFirst: true),
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
    /// Fail back, outside maintenance windows only (it moves databases back onto the server, so inside one it waits
    /// for the window to close, at most MaintenanceWait, looking again after it): Set-MailboxServer ... $false allows
    /// activation again, which on its own moves nothing (Exchange 2013; 2016+ only with the DAG's preference moves),
    /// then Move-ActiveMailboxDatabase -ActivatePreferredOnServer moves back the databases that prefer the server.
    /// Where each database ended, as the copies read afterwards; null when it did not fail back (the server stays
    /// drained, its hold kept, and the run's reason says why).
    /// </summary>
    public async Task<string?> FailBackAsync(string server)
    {
        var settings = run.Settings;
        var giveUpAt = Recorder.Now + settings.MaintenanceWait;
        string? stillIn = null;

        // Bounded: windows can follow one another, but not forever within one run's history.
        for (var look = 0; look < 8; look++)
        {
            var answer = await Recorder.StepAsync(
                "Maintenance check: Fail back",
                $"Maintenance windows covering {server} (fail-back restores capacity: no throttle or blast-radius check)",
                Args(("Server", server)),
                () => Context.CallActivityAsync<MaintenanceAnswer>(nameof(CheckMaintenanceActivity), server, StepRecorder.LedgerCall),
                a => (a.Window is null ? StepOutcome.Allowed : StepOutcome.Rejected, a.Reason));
            stillIn = answer.Reason;
            if (run.WasDisabledBeforeTheRun(server))
            {
                // Never enable what an administrator disabled: left as found, nothing moved back, no hold kept for it.
                run.LeftDrained(server, false);
                return $"activation left disabled on {server} as it was before this run (an administrator's setting): no database moved back";
            }

            if (answer.Window is null || settings.DryRun)
            {
                await FailBackCallAsync(server);
                run.LeftDrained(server, false);
                await MoveBackAsync(server);

                // A move takes seconds to minutes: where they ended is read once the copies have settled.
                return WhereTheyEnded(server, await CopyStatusAsync(server));
            }

            if (answer.Window.Until is not { } until || until > giveUpAt)
            {
                break;
            }

            // Looked at again once it closes: another window may follow.
            await run.Waits.WaitAsync(until - Recorder.Now + TimeSpan.FromSeconds(1), $"for maintenance window {answer.Window.WindowId} on {server} to close before failing back");

            // Hours may have passed: verified again, with the signal the playbook acted on, before anything moves back.
            if (run.Version >= RecoveryVersions.ExchangeConfirms && run.Safety.StillFailing is { } stillFailing && await stillFailing())
            {
                throw new RunStoppedException(
                    RunOutcome.Escalated,
                    $"{server} fails again after waiting for maintenance window {answer.Window.WindowId} to close: not failed back. Fail-back decided: none; activation stays disabled so no database moves to {server} until a human decides.");
            }
        }

        run.AddClosingNote($"Fail-back decided: not done: {stillIn} Activation stays disabled on {server}; fail back once the window closes, then release the hold.");
        return null;
    }

    Task<DatabaseCopyStatus> FailBackCallAsync(string server) => run.Safety.ActAsync(
        "Fail back",
        $"Set-MailboxServer -Identity {server} -DatabaseCopyActivationDisabledAndMoveNow $false",
        Args(("Identity", server), ("DatabaseCopyActivationDisabledAndMoveNow", "$false")),
        null,
        key => Context.CallActivityAsync<DatabaseCopyStatus>(nameof(SetDatabaseCopyActivationActivity), new FlagStep(server, false, key), StepRecorder.AgentCall),
        Describe,
        new DatabaseCopyStatus(server, []));

    Task<DatabaseCopyStatus> MoveBackAsync(string server) => run.Safety.ActAsync(
        "Move databases back",
        $"Move-ActiveMailboxDatabase -ActivatePreferredOnServer {server}",
        Args(("ActivatePreferredOnServer", server)),
        null,
        key => Context.CallActivityAsync<DatabaseCopyStatus>(nameof(ActivatePreferredOnServerActivity), new ServerStep(server, key), StepRecorder.AgentCall),
        Describe,
        new DatabaseCopyStatus(server, []));

    /// <summary>What the copies read after the move say: which databases are active on the server again, which are not.</summary>
    static string WhereTheyEnded(string server, DatabaseCopyStatus copies)
    {
        if (copies.Copies.Count == 0)
        {
            return $"failed back (activation allowed on {server}; no copy read after the move)";
        }

        var back = copies.Copies.Where(c => c.Status == CopyStatus.Mounted).Select(c => c.Database).ToList();
        var notBack = copies.Copies.Where(c => c.ActivationPreference == 1 && c.Status != CopyStatus.Mounted).Select(c => $"{c.Database} ({c.Status})").ToList();
        return $"failed back: {(back.Count > 0 ? $"{string.Join(", ", back)} active on {server} again" : $"no database active on {server}")}"
            + (notBack.Count > 0 ? $"; preferring {server} but not back: {string.Join(", ", notBack)}" : "");
    }

    static (StepOutcome, string) Describe(DatabaseCopyStatus status) =>
        (StepOutcome.Succeeded, status.Copies.Count == 0 ? "No copies reported." : string.Join(", ", status.ByStatus.Select(kv => $"{kv.Key}: {kv.Value}")));
}
