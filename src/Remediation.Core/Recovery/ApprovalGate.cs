using Remediation.Escalation;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>
/// The approval gate (PLAYBOOKS.md section 4, Approval): a disruptive action listed in ApprovalRequiredFor waits for
/// one approver, one in TwoApproversFor for two different ones (four eyes); a rejection wins, no decision within
/// ApprovalTimeout escalates without acting. Each action is asked once per run. A dry run says it would ask.
/// </summary>
internal sealed class ApprovalGate(StepRecorder recorder, int version = RecoveryVersions.ExchangeConfirms)
{
    readonly HashSet<DisruptiveAction> asked = [];

    RecoverySettings Settings => recorder.Settings;

    string Server => recorder.Request.Server;

    /// <summary>True when <see cref="ApproveAsync"/> would ask a person for <paramref name="action"/> now (a dry run says it would).</summary>
    public bool WillAsk(DisruptiveAction action) => !asked.Contains(action) && Required(action);

    bool Required(DisruptiveAction action) => Settings.ApprovalRequiredFor.Contains(action) || Settings.TwoApproversFor?.Contains(action) == true;

    /// <summary>
    /// Asks for <paramref name="action"/> when it needs a human (once per run); stops the run when it is rejected or
    /// not decided in time. True when the run waited for a person (what it verified before may have changed); a dry run
    /// or a preview (version 2 on) answers true after saying it would ask, so it shows the verification that follows.
    /// </summary>
    public async Task<bool> ApproveAsync(string name, DisruptiveAction action)
    {
        if (!Required(action) || !asked.Add(action))
        {
            return false;
        }

        var operation = $"Wait for an operator to approve {action} on {Server}";
        var arguments = new Dictionary<string, string> { ["Action"] = action.ToString(), ["Timeout"] = Settings.ApprovalTimeout.ToString() };
        if (Settings.DryRun)
        {
            // A dry run never waits for anyone: it says it would.
            await recorder.StepAsync($"Approval for: {name}", operation, arguments, () => Task.FromResult(true),
                _ => (StepOutcome.DryRun, $"Dry run: would wait up to {Settings.ApprovalTimeout} for an operator to approve {action}."));
            return version >= RecoveryVersions.ExchangeConfirms;
        }

        var decision = await recorder.StepAsync(
            $"Approval for: {name}",
            operation,
            arguments,
            () => WaitForDecisionAsync(action),
            d => d is null
                ? (StepOutcome.TimedOut, "No decision within the approval timeout.")
                : (d.Approved ? StepOutcome.Approved : StepOutcome.Rejected, $"{(d.Approved ? "Approved" : "Rejected")} by {d.Who}{(d.Comment is null ? "" : $": {d.Comment}")}"));
        recorder.ThrowIfCancelled();
        if (decision is null)
        {
            throw new RunStoppedException(RunOutcome.Escalated, $"{action} on {Server} was not approved within {Settings.ApprovalTimeout}: nothing was done.");
        }

        if (!decision.Approved)
        {
            throw new RunStoppedException(RunOutcome.Rejected, $"{action} on {Server} was rejected by {decision.Who}.");
        }

        return true;
    }

    // A decision names its run; runs started before decisions did (version 1) also take one that names none.
    bool ForThisRun(ApprovalDecision decision) =>
        decision.RunId == recorder.Request.RunId || (decision.RunId is null && version < RecoveryVersions.ExchangeConfirms);

    async Task<ApprovalDecision?> WaitForDecisionAsync(DisruptiveAction action)
    {
        // This step's number: the run API and dashboard send it back with the decision.
        var step = recorder.Sequence;
        var needed = Settings.TwoApproversFor?.Contains(action) == true ? 2 : 1;
        var approvals = new List<ApprovalDecision>();
        var since = recorder.Now;
        var until = since + Settings.ApprovalTimeout;
        void ShowWaiting() => recorder.Context.SetCustomStatus(new RunStatus(
            recorder.Request.RunId,
            Server,
            recorder.Sequence,
            approvals.Count == 0 ? $"Waiting for approval of {action}" : $"Waiting for a second approver of {action} (approved by {approvals[0].Who})",
            action.ToString(),
            step,
            needed,
            [.. approvals.Select(a => a.Who)],
            since,
            until));
        ShowWaiting();
        await recorder.Context.CallActivityAsync<string>(nameof(NotifyApprovalActivity), new ApprovalNotice(recorder.Request.RunId, action.ToString(), step, needed, until));
        using var stop = new CancellationTokenSource();
        var timeout = recorder.Context.CreateTimer(Settings.ApprovalTimeout, stop.Token);
        try
        {
            // Bounded: a decision for another step (one Durable kept from a double click) or a second approval by the
            // same person is dropped, a few times at most.
            for (var attempt = 0; attempt < 8 + needed; attempt++)
            {
                var approval = recorder.Context.WaitForExternalEvent<ApprovalDecision>(RunEvents.Approval, stop.Token);
                if (await Task.WhenAny(approval, timeout, recorder.Cancelled) != approval)
                {
                    return null;
                }

                var decision = approval.Result;
                if (!ForThisRun(decision) || decision.Step != step || decision.Action != action.ToString() || approvals.Any(a => a.ById == decision.ById))
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
            StepRecorder.CancelInline(stop);
        }
    }
}
