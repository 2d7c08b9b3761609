using Remediation.Alerts;

namespace Remediation.Runs;

/// <summary>
/// The audit trail of every run. Writes are idempotent (activities can be retried): opening a run twice,
/// appending the same step sequence twice or closing twice changes nothing the second time.
/// </summary>
public interface IRunLedger
{
    /// <summary>Creates the run if it does not exist.</summary>
    Task OpenAsync(RunRecord run, CancellationToken cancellationToken);

    /// <summary>Appends a step unless its sequence is already there.</summary>
    Task AppendStepAsync(string runId, RunStep step, CancellationToken cancellationToken);

    /// <summary>Records an alert that arrived for the server while the run was going (coalesced, not a new run).</summary>
    Task RecordAlertAsync(string runId, Alert alert, CancellationToken cancellationToken);

    /// <summary>Sets the outcome and end time (first close wins).</summary>
    Task CloseAsync(string runId, RunOutcome outcome, string? reason, DateTimeOffset endedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Records a decision that was sent and not taken (it lost a race, came for a step already decided, or named a
    /// step the run no longer waits for): who sent what, when, and why it was refused. The latest
    /// <see cref="RunRecord.MaxRefusedDecisions"/> are kept on the run; every one is also logged.
    /// </summary>
    Task RecordRefusedDecisionAsync(string runId, string refusal, CancellationToken cancellationToken);

    /// <summary>Records how the run's escalation went (each channel's result), after it closed.</summary>
    Task RecordEscalationAsync(string runId, string escalation, CancellationToken cancellationToken);

    /// <summary>
    /// Claims a decision of a run (<paramref name="decision"/>: the step, or the step and approver where a step needs two):
    /// true for the first claim only, across every host sharing the ledger (a second click, or a second operator, is
    /// told it was already decided).
    /// </summary>
    Task<bool> TryClaimDecisionAsync(string runId, string decision, CancellationToken cancellationToken);

    /// <summary>One run, or null.</summary>
    Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The runs <paramref name="filter"/> matches, running first, then newest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<RunRecord>> ListAsync(RunFilter filter, int max, CancellationToken cancellationToken);
}
