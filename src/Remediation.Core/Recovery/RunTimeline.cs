using System.Globalization;
using Microsoft.DurableTask;
using Remediation.Exchange;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>A playbook ends here: the outcome and why (refused by safety, rejected approval, cancelled).</summary>
internal sealed class RunStoppedException(RunOutcome outcome, string reason) : Exception(reason)
{
    public RunOutcome Outcome { get; } = outcome;
}

/// <summary>
/// Wraps each playbook step so it lands in the ledger and in Durable's custom status with its arguments, answer and
/// times (from the orchestration clock: a replay writes the same step again, which the ledger ignores). Steps that
/// change something pass the safety gate first: cancellation, approval, maintenance, blast radius, throttle, dry run.
/// </summary>
internal sealed class RunTimeline
{
    static readonly TaskOptions LedgerRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    // Agent calls are retried only when the agent said "try again" (timeout, unavailable); the step's idempotency key
    // makes the retry return the first answer instead of acting twice.
    static readonly TaskOptions AgentRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(2), backoffCoefficient: 2)
    {
        // By the failure's type name: IsCausedBy<T> resolves ErrorType with Type.GetType, which does not look in our assembly.
        HandleFailure = failure => failure.ErrorType == typeof(AgentUnavailableException).FullName,
    });

    readonly TaskOrchestrationContext context;
    readonly Task<string> cancelled;
    int sequence;
    bool acted;
    readonly HashSet<DisruptiveAction> approved = [];
    readonly List<string> closingNotes = [];
    readonly HashSet<string> drainedServers = new(StringComparer.OrdinalIgnoreCase);

    public RunTimeline(TaskOrchestrationContext context, RecoveryRequest request)
    {
        this.context = context;
        Request = request;
        cancelled = context.WaitForExternalEvent<string>(RunEvents.Cancel);
    }

    public RecoveryRequest Request { get; }

    public TaskOrchestrationContext Context => context;

    public DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

    public static TaskOptions AgentCall => AgentRetry;

    /// <summary>Retries for ledger reads and writes.</summary>
    public static TaskOptions LedgerCall => LedgerRetry;

    /// <summary>A plan preview's steps (a preview writes nothing to the ledger).</summary>
    public List<RunStep> PreviewSteps { get; } = [];

    /// <summary>True for a plan preview (see <see cref="RecoveryRequest.Preview"/>).</summary>
    public bool IsPreview => Request.Preview;

    public Task OpenAsync() => IsPreview ? Task.CompletedTask : context.CallActivityAsync(
        nameof(OpenRunActivity),
        new RunRecord(Request.RunId, context.InstanceId, Request.Server, Request.HealthSet, Request.Monitor, Now, null, RunOutcome.Running, null, [], [Request.Alert], Request.ParentRunId),
        LedgerRetry);

    /// <summary>Throws <see cref="RunStoppedException"/> once an operator has cancelled the run.</summary>
    public void ThrowIfCancelled()
    {
        if (cancelled.IsCompleted)
        {
            throw new RunStoppedException(RunOutcome.Cancelled, $"Cancelled by {cancelled.Result}.");
        }
    }

    /// <summary>Runs <paramref name="action"/> as the next step and records it, failed or not.</summary>
    public async Task<T> StepAsync<T>(
        string name,
        string operation,
        IReadOnlyDictionary<string, string> arguments,
        Func<Task<T>> action,
        Func<T, (StepOutcome Outcome, string Answer)> describe)
    {
        var number = ++sequence;
        context.SetCustomStatus(new RunStatus(Request.RunId, Request.Server, number, name));
        var started = Now;
        T result;
        try
        {
            result = await action();
        }
        catch (TaskFailedException ex)
        {
            await RecordAsync(new RunStep(number, name, operation, arguments, started, Now, StepOutcome.Failed, ex.FailureDetails.ErrorMessage));
            throw;
        }

        var (outcome, answer) = describe(result);
        await RecordAsync(new RunStep(number, name, operation, arguments, started, Now, outcome, answer));
        return result;
    }

    /// <summary>
    /// A step that changes something on a server: cancelled? then (for disruptive actions) approval and the safety
    /// checks; in dry run it is recorded as what would be done and <paramref name="dryRunResult"/> is returned.
    /// </summary>
    public async Task<T> ActAsync<T>(
        string name,
        string operation,
        IReadOnlyDictionary<string, string> arguments,
        DisruptiveAction? action,
        Func<string, Task<T>> act,
        Func<T, (StepOutcome Outcome, string Answer)> describe,
        T dryRunResult,
        bool cleanUp = false)
    {
        // Clean-up (undoing what the run did) goes on after a cancel and waits for no approval; it still passes the
        // safety gate, and a refusal is the caller's to handle.
        if (!cleanUp)
        {
            ThrowIfCancelled();
        }

        if (action is { } disruptive)
        {
            if (cleanUp)
            {
                var verdict = await SafetyAsync($"Safety check: {name}", disruptive, preview: Request.Settings.DryRun);
                if (!verdict.Allowed)
                {
                    throw new RunStoppedException(verdict.Refusal, verdict.Reason);
                }
            }
            else
            {
                await GateAsync(name, disruptive);
            }
        }

        if (Request.Settings.DryRun)
        {
            return await StepAsync(name, operation, arguments, () => Task.FromResult(dryRunResult), _ => (StepOutcome.DryRun, $"Dry run: would call {operation}; nothing was done."));
        }

        var key = string.Create(CultureInfo.InvariantCulture, $"{Request.RunId}:{sequence + 1}");
        acted = true;
        return await StepAsync(name, operation, arguments, () => act(key), describe);
    }

    /// <summary>
    /// The run's verification (re-run the probe, or read the counters): true while the failure is still there. Set once
    /// the run has verified its issue; asked again after every approval wait, before the approved action.
    /// </summary>
    public Func<Task<bool>>? StillFailing { get; set; }

    /// <summary>Records a decision the run took (a rule and its evidence) as a step of its own: nothing is called.</summary>
    public Task NoteAsync(string name, string decision) =>
        StepAsync(name, "Decision (nothing called)", new Dictionary<string, string>(), () => Task.FromResult(true), _ => (StepOutcome.Succeeded, decision));

    /// <summary>
    /// Waits for another server's run (<paramref name="ticket"/>) to end, looking every PollInterval, at most
    /// OtherRunWait; returns its outcome (Running if it outlasted the wait). Cancelling this run cancels that one too
    /// when this run started it.
    /// </summary>
    public async Task<RunOutcome> WaitForRunAsync(ServerRunTicket ticket, string server)
    {
        // Bounded: at most OtherRunWait / PollInterval looks (history stays small whatever the settings).
        var looks = (int)Math.Ceiling(Request.Settings.OtherRunWait / Request.Settings.PollInterval);
        var since = Now;
        for (var look = 0; ; look++)
        {
            var outcome = await context.CallActivityAsync<RunOutcome>(nameof(ReadRunOutcomeActivity), ticket.RunId, LedgerRetry);
            if (outcome != RunOutcome.Running || look >= looks)
            {
                return outcome;
            }

            context.SetCustomStatus(new RunStatus(Request.RunId, Request.Server, sequence, $"Waiting for run {ticket.RunId} on {server}", WaitingSince: since, WaitingUntil: since + Request.Settings.OtherRunWait));
            using var stop = new CancellationTokenSource();
            var timer = context.CreateTimer(Request.Settings.PollInterval, stop.Token);
            if (await Task.WhenAny(timer, cancelled) == cancelled)
            {
                CancelInline(stop);
                if (ticket.IsNew)
                {
                    context.SendEvent(RecoveryInstance.IdFor(server), RunEvents.Cancel, $"{cancelled.Result} (through run {Request.RunId})");
                }

                ThrowIfCancelled();
            }
        }
    }

    /// <summary>Waits <paramref name="wait"/> on a durable timer (an operator's cancel interrupts it).</summary>
    public async Task WaitAsync(TimeSpan wait, string why)
    {
        ThrowIfCancelled();
        if (IsPreview)
        {
            return;
        }

        context.SetCustomStatus(new RunStatus(Request.RunId, Request.Server, sequence, $"Waiting {wait} {why}", WaitingSince: Now, WaitingUntil: Now + wait));
        using var stop = new CancellationTokenSource();
        var timer = context.CreateTimer(wait, stop.Token);
        if (await Task.WhenAny(timer, cancelled) == cancelled)
        {
            CancelInline(stop);
        }

        ThrowIfCancelled();
    }

    /// <summary>Adds a sentence to the run's closing reason, whatever the outcome (e.g. what clean-up could not do).</summary>
    public void AddClosingNote(string note) => closingNotes.Add(note);

    /// <summary>The run drained a server (true) or failed it back (false): a run that ends drained keeps its hold.</summary>
    public void LeftDrained(string server, bool drained)
    {
        if (drained)
        {
            drainedServers.Add(server);
        }
        else
        {
            drainedServers.Remove(server);
        }
    }

    public async Task<RunOutcome> CloseAsync(RunOutcome outcome, string reason)
    {
        if (drainedServers.Count > 0)
        {
            closingNotes.Add($"The hold on the group of {string.Join(", ", drainedServers)} stays while it is left drained: no other member is drained or restarted until an operator releases it (POST /api/runs/{Request.RunId}/release-hold) once fail-back is decided.");
        }

        reason = string.Join(" ", [reason, .. closingNotes]);
        ClosingReason = reason;
        if (IsPreview)
        {
            return outcome;
        }

        await context.CallActivityAsync(nameof(CloseRunActivity), new CloseRun(Request.RunId, outcome, reason, Now), LedgerRetry);
        if (drainedServers.Count == 0)
        {
            await context.CallActivityAsync(nameof(ReleaseDisruptionActivity), Request.RunId, LedgerRetry);
        }

        context.SetCustomStatus(new RunStatus(Request.RunId, Request.Server, sequence, outcome.ToString()));
        return outcome;
    }

    /// <summary>The reason the run closed with, closing notes included.</summary>
    public string? ClosingReason { get; private set; }

    /// <summary>Sends the whole timeline and evidence to the escalation channels (a human takes over from here).</summary>
    public Task<string> EscalateAsync() => IsPreview ? Task.FromResult("Preview: would escalate.") :
        context.CallActivityAsync<string>(nameof(Escalation.EscalateActivity), new Escalation.EscalationRequest(Request.RunId, Request.Settings.DryRun), LedgerRetry);

    /// <summary>
    /// Checks a later step's gate before the step that commits to it (a drain commits to the server restart that
    /// follows): its approval is asked now, its safety previewed (no throttle slot, no hold). Refused: the run stops
    /// before anything is done, instead of leaving the server drained.
    /// </summary>
    public async Task CheckAheadAsync(string name, DisruptiveAction action)
    {
        ThrowIfCancelled();
        await ApproveAsync(name, action);
        var verdict = await SafetyAsync($"Safety check ahead: {name}", action, preview: true);
        if (!verdict.Allowed)
        {
            throw new RunStoppedException(verdict.Refusal, $"{verdict.Reason} Checked before the step that commits to it: nothing was done.");
        }
    }

    async Task GateAsync(string name, DisruptiveAction action)
    {
        await ApproveAsync(name, action);
        var verdict = await SafetyAsync($"Safety check: {name}", action, preview: Request.Settings.DryRun);
        if (!verdict.Allowed)
        {
            throw new RunStoppedException(verdict.Refusal, verdict.Reason);
        }
    }

    async Task ApproveAsync(string name, DisruptiveAction action)
    {
        var required = Request.Settings.ApprovalRequiredFor.Contains(action) || Request.Settings.TwoApproversFor?.Contains(action) == true;
        if (!required || !approved.Add(action))
        {
            return;
        }

        var operation = $"Wait for an operator to approve {action} on {Request.Server}";
        var arguments = new Dictionary<string, string> { ["Action"] = action.ToString(), ["Timeout"] = Request.Settings.ApprovalTimeout.ToString() };
        if (Request.Settings.DryRun)
        {
            // A dry run never waits for anyone: it says it would.
            await StepAsync($"Approval for: {name}", operation, arguments, () => Task.FromResult(true),
                _ => (StepOutcome.DryRun, $"Dry run: would wait up to {Request.Settings.ApprovalTimeout} for an operator to approve {action}."));
            return;
        }

        var decision = await StepAsync(
            $"Approval for: {name}",
            operation,
            arguments,
            () => WaitForApprovalAsync(action),
            d => d is null ? (StepOutcome.TimedOut, "No decision within the approval timeout.") : (d.Approved ? StepOutcome.Approved : StepOutcome.Rejected, $"{(d.Approved ? "Approved" : "Rejected")} by {d.Who}{(d.Comment is null ? "" : $": {d.Comment}")}"));
        ThrowIfCancelled();
        if (decision is null)
        {
            throw new RunStoppedException(RunOutcome.Escalated, $"{action} on {Request.Server} was not approved within {Request.Settings.ApprovalTimeout}: nothing was done.");
        }

        if (!decision.Approved)
        {
            throw new RunStoppedException(RunOutcome.Rejected, $"{action} on {Request.Server} was rejected by {decision.Who}.");
        }

        // An approval can take an hour: what was verified before it may no longer be true.
        if (StillFailing is { } stillFailing && !await stillFailing())
        {
            throw new RunStoppedException(
                acted ? RunOutcome.Recovered : RunOutcome.Transient,
                $"The failure went away while {action} on {Request.Server} waited for approval: verified again after the approval, {action} was not done.");
        }
    }

    /// <summary>The safety gate's answer; a preview (dry run, or a check ahead) takes no throttle slot and no hold.</summary>
    Task<SafetyVerdict> SafetyAsync(string name, DisruptiveAction action, bool preview)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{Request.RunId}:{sequence + 1}");
        return StepAsync(
            name,
            $"Maintenance, blast radius and throttle for {action} on {Request.Server}{(preview ? " (preview: nothing taken)" : "")}",
            new Dictionary<string, string> { ["Action"] = action.ToString(), ["Server"] = Request.Server },
            () => context.CallActivityAsync<SafetyVerdict>(nameof(CheckSafetyActivity), new SafetyRequest(Request.RunId, Request.Server, action, key, preview), AgentRetry),
            v => (v.Allowed ? StepOutcome.Allowed : v.Refusal == RunOutcome.Throttled ? StepOutcome.Throttled : StepOutcome.Rejected, v.Reason));
    }

    async Task<ApprovalDecision?> WaitForApprovalAsync(DisruptiveAction action)
    {
        // This step's number: the run API and dashboard send it back with the decision.
        var step = sequence;
        var needed = Request.Settings.TwoApproversFor?.Contains(action) == true ? 2 : 1;
        var approvals = new List<ApprovalDecision>();
        var since = Now;
        void ShowWaiting() => context.SetCustomStatus(new RunStatus(
            Request.RunId,
            Request.Server,
            sequence,
            approvals.Count == 0 ? $"Waiting for approval of {action}" : $"Waiting for a second approver of {action} (approved by {approvals[0].Who})",
            action.ToString(),
            step,
            needed,
            [.. approvals.Select(a => a.Who)],
            since,
            since + Request.Settings.ApprovalTimeout));
        ShowWaiting();
        await context.CallActivityAsync<string>(nameof(Escalation.NotifyApprovalActivity), new Escalation.ApprovalNotice(Request.RunId, action.ToString(), step, needed, since + Request.Settings.ApprovalTimeout));
        using var stop = new CancellationTokenSource();
        var timeout = context.CreateTimer(Request.Settings.ApprovalTimeout, stop.Token);
        try
        {
            // Bounded: a decision for another step (one Durable kept from a double click) or a second approval by the
            // same person is dropped, a few times at most.
            for (var attempt = 0; attempt < 8 + needed; attempt++)
            {
                var approval = context.WaitForExternalEvent<ApprovalDecision>(RunEvents.Approval, stop.Token);
                if (await Task.WhenAny(approval, timeout, cancelled) != approval)
                {
                    return null;
                }

                var decision = approval.Result;
                if (decision.Step != step || decision.Action != action.ToString() || approvals.Any(a => a.ById == decision.ById))
                {
                    continue;
                }

                if (!decision.Approved)
                {
                    return decision; // one "no" is enough
                }

                approvals.Add(decision);
                if (approvals.Count >= needed)
                {
                    return needed == 1 ? decision : new ApprovalDecision(
                        true,
                        string.Join(" and ", approvals.Select(a => a.Who)),
                        string.Join("; ", approvals.Select(a => a.Comment).OfType<string>()) is { Length: > 0 } comments ? comments : null,
                        decision.Action,
                        step);
                }

                ShowWaiting();
            }

            return null;
        }
        finally
        {
            CancelInline(stop);
        }
    }

    // Cancel() runs the durable timer's and event's cancellation callbacks on the orchestrator thread; CancelAsync()
    // would run them on the thread pool, outside the orchestration's single-threaded context.
#pragma warning disable CA1849
    static void CancelInline(CancellationTokenSource source) => source.Cancel();
#pragma warning restore CA1849

    Task RecordAsync(RunStep step)
    {
        if (IsPreview)
        {
            PreviewSteps.Add(step);
            return Task.CompletedTask;
        }

        return context.CallActivityAsync(nameof(RecordRunStepActivity), new RecordRunStep(Request.RunId, step, Request.Server, Request.Monitor), LedgerRetry);
    }
}
