using Remediation.Alerts;

namespace Remediation.Runs;

/// <summary>How a run ended (PLAYBOOKS.md section 4, audit trail).</summary>
public enum RunOutcome
{
    /// <summary>Still going.</summary>
    Running,

    /// <summary>The re-run probe passed: nothing was touched.</summary>
    Transient,

    /// <summary>A playbook step fixed it.</summary>
    Recovered,

    /// <summary>Automation stopped; a human has the timeline and evidence.</summary>
    Escalated,

    /// <summary>An action was refused by a throttle.</summary>
    Throttled,

    /// <summary>Refused (approval rejected, blast radius, maintenance).</summary>
    Rejected,

    /// <summary>The run itself failed.</summary>
    Failed,

    /// <summary>An operator stopped it (clean-up steps still ran).</summary>
    Cancelled,
}

/// <summary>How one step of a run ended.</summary>
public enum StepOutcome
{
    /// <summary>It did what it was asked.</summary>
    Succeeded,

    /// <summary>It was tried and did not work (or the call failed).</summary>
    Failed,

    /// <summary>No answer in time (a probe, an approval).</summary>
    TimedOut,

    /// <summary>Dry run: recorded as what would be done; nothing was called.</summary>
    DryRun,

    /// <summary>The safety gate let the next action go ahead.</summary>
    Allowed,

    /// <summary>An operator approved the next action.</summary>
    Approved,

    /// <summary>Refused: by an operator, the blast radius or a maintenance window.</summary>
    Rejected,

    /// <summary>Refused by a throttle.</summary>
    Throttled,
}

/// <summary>One step of a run: what was called, with which arguments, what came back, and when.</summary>
/// <param name="Sequence">1-based position in the run; writing the same sequence twice is a no-op.</param>
/// <param name="Name">The runbook step (e.g. "Re-run probe").</param>
/// <param name="Operation">What was called (e.g. Invoke-MonitoringProbe IMAP.Protocol\ImapSelfTestProbe).</param>
/// <param name="Arguments">Arguments, never secrets.</param>
/// <param name="StartedAt">Start.</param>
/// <param name="EndedAt">End.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Answer">What came back, summarised.</param>
public sealed record RunStep(
    int Sequence,
    string Name,
    string Operation,
    IReadOnlyDictionary<string, string> Arguments,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    StepOutcome Outcome,
    string? Answer);

/// <summary>
/// A remediation run for one server, as the run API returns it. <see cref="AwaitingApproval"/> and
/// <see cref="CurrentStep"/> are not stored: the run API reads them from the orchestration's custom status while the
/// run is going (e.g. "Waiting 00:10:00 before rechecking").
/// </summary>
public sealed record RunRecord(
    string RunId,
    string InstanceId,
    string Server,
    string HealthSet,
    string? Monitor,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    RunOutcome Outcome,
    string? Reason,
    IReadOnlyList<RunStep> Steps,
    IReadOnlyList<Alert> Alerts,
    string? ParentRunId = null,
    string? AwaitingApproval = null,
    string? CurrentStep = null,
    int AlertCount = 1,
    string? Escalation = null,
    int? ApprovalStep = null,
    int? ApprovalsNeeded = null,
    IReadOnlyList<string>? ApprovedBy = null,
    DateTimeOffset? WaitingSince = null,
    DateTimeOffset? WaitingUntil = null,
    IReadOnlyList<string>? RefusedDecisions = null)
{
    /// <summary>How many refused decisions a run keeps (the latest; every one is logged too): a bound on what one approver clicking can grow.</summary>
    public const int MaxRefusedDecisions = 20;

    /// <summary>
    /// When the failure this run repairs began: the earliest of its alerts' first failed probe (or, for an alert that
    /// does not say, when it was raised) and the run's start. MTTR and "down for" count from here, not from the run.
    /// </summary>
    public DateTimeOffset FailingSince => Alerts.Select(a => a.FailingSince ?? a.RaisedAt).Append(StartedAt).Min();

    /// <summary>This run with <paramref name="refusal"/> recorded among its refused decisions (the latest <see cref="MaxRefusedDecisions"/>).</summary>
    public RunRecord WithRefusedDecision(string refusal) =>
        this with { RefusedDecisions = [.. (RefusedDecisions ?? []).Append(refusal).TakeLast(MaxRefusedDecisions)] };
}
