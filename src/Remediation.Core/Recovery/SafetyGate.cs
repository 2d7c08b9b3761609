using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>
/// Every step that changes something passes here: the operator's cancel, then for a disruptive action its approval
/// (<see cref="ApprovalGate"/>), a verification after any approval wait, and the safety gate
/// (<see cref="CheckSafetyActivity"/>: maintenance, blast radius, throttle). In dry run the step is recorded as what
/// would be done. The check ahead asks a later step's gate before the step that commits to it.
/// </summary>
internal sealed class SafetyGate(StepRecorder recorder, ApprovalGate approvals, bool checkBeforeAsking = true)
{
    bool acted;

    RecoverySettings Settings => recorder.Settings;

    /// <summary>
    /// The run's verification (re-run the probe, or read the counters): true while the failure is still there. Set once
    /// the run has verified its issue; asked again after every approval wait, before the approved action.
    /// </summary>
    public Func<Task<bool>>? StillFailing { get; set; }

    /// <summary>
    /// Does Exchange disagree that the failure is real (null: it agrees)? Set once the run has verified its issue with
    /// this product's probe; asked once, before the run's first change and before any approval is asked for one
    /// (PLAYBOOKS.md section 4: before the first disruptive step, Exchange must agree).
    /// </summary>
    public Func<Task<string?>>? ExchangeDisagrees { get; set; }

    /// <summary>
    /// A step that changes something on a server: cancelled? then (for disruptive actions) approval and the safety
    /// checks; in dry run it is recorded as what would be done and <paramref name="dryRunResult"/> is returned.
    /// Clean-up (<paramref name="cleanUp"/>: undoing what the run did) goes on after a cancel and waits for no
    /// approval; it still passes the safety gate, and a refusal is the caller's to handle.
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
        if (!cleanUp)
        {
            recorder.ThrowIfCancelled();
            await ConfirmWithExchangeAsync();
        }

        if (action is { } disruptive)
        {
            if (!cleanUp)
            {
                await ApproveAsync(name, disruptive);
            }

            var verdict = await CheckAsync($"Safety check: {name}", disruptive, preview: Settings.DryRun);
            if (!verdict.Allowed)
            {
                throw new RunStoppedException(verdict.Refusal, verdict.Reason);
            }
        }

        if (Settings.DryRun)
        {
            return await recorder.StepAsync(name, operation, arguments, () => Task.FromResult(dryRunResult), _ => (StepOutcome.DryRun, $"Dry run: would call {operation}; nothing was done."));
        }

        var key = recorder.NextStepKey;
        acted = true;
        return await recorder.StepAsync(name, operation, arguments, () => act(key), describe);
    }

    /// <summary>
    /// Checks a later step's gate before the step that commits to it (a drain commits to the server restart that
    /// follows): its approval is asked now, its safety previewed (no throttle slot, no hold). Refused: the run stops
    /// before anything is done, instead of leaving the server drained.
    /// </summary>
    public async Task CheckAheadAsync(string name, DisruptiveAction action)
    {
        recorder.ThrowIfCancelled();
        await ConfirmWithExchangeAsync();
        await ApproveAsync(name, action);
        var verdict = await CheckAsync($"Safety check ahead: {name}", action, preview: true);
        if (!verdict.Allowed)
        {
            throw new RunStoppedException(verdict.Refusal, $"{verdict.Reason} Checked before the step that commits to it: nothing was done.");
        }
    }

    async Task ConfirmWithExchangeAsync()
    {
        if (ExchangeDisagrees is not { } ask)
        {
            return;
        }

        ExchangeDisagrees = null;
        if (await ask() is { } disagreement)
        {
            throw new RunStoppedException(RunOutcome.Escalated, disagreement);
        }
    }

    async Task ApproveAsync(string name, DisruptiveAction action)
    {
        if (checkBeforeAsking && approvals.WillAsk(action))
        {
            // A person is asked only for what the gate would allow now: a throttle or a hold refuses before the
            // approval, not a second after someone got up at 3 AM to give it.
            var now = await CheckAsync($"Safety check before asking: {name}", action, preview: true);
            if (!now.Allowed)
            {
                throw new RunStoppedException(now.Refusal, $"{now.Reason} Checked before asking for approval: nobody was asked, nothing was done.");
            }
        }

        if (!await approvals.ApproveAsync(name, action))
        {
            return;
        }

        // An approval can take an hour: what was verified before it may no longer be true.
        if (StillFailing is { } stillFailing && !await stillFailing())
        {
            throw new RunStoppedException(
                acted ? RunOutcome.Recovered : RunOutcome.Transient,
                $"The failure went away while {action} on {recorder.Request.Server} waited for approval: verified again after the approval, {action} was not done.");
        }
    }

    /// <summary>The safety gate's answer; a preview (dry run, or a check ahead) takes no throttle slot and no hold.</summary>
    Task<SafetyVerdict> CheckAsync(string name, DisruptiveAction action, bool preview)
    {
        var request = new SafetyRequest(recorder.Request.RunId, recorder.Request.Server, action, recorder.NextStepKey, preview);
        return recorder.StepAsync(
            name,
            $"Maintenance, blast radius and throttle for {action} on {recorder.Request.Server}{(preview ? " (preview: nothing taken)" : "")}",
            new Dictionary<string, string> { ["Action"] = action.ToString(), ["Server"] = recorder.Request.Server },
            () => recorder.Context.CallActivityAsync<SafetyVerdict>(nameof(CheckSafetyActivity), request, StepRecorder.AgentCall),
            v => (v.Allowed ? StepOutcome.Allowed : v.Refusal == RunOutcome.Throttled ? StepOutcome.Throttled : StepOutcome.Rejected, v.Reason));
    }
}
