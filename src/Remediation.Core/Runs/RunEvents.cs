namespace Remediation.Runs;

/// <summary>What the run shows in Durable's custom status while it goes.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Server">Its server.</param>
/// <param name="Steps">Steps so far.</param>
/// <param name="CurrentStep">What it is doing (or its outcome once ended).</param>
/// <param name="AwaitingApproval">The action waiting for a human, if any.</param>
/// <param name="ApprovalStep">The step number of that approval: a decision must name it.</param>
/// <param name="ApprovalsNeeded">How many different approvers that step needs (2 under the four-eyes rule).</param>
/// <param name="ApprovedBy">Who has approved that step so far (name and object ID).</param>
/// <param name="WaitingSince">While it waits (an approval, a timer, another run): since when.</param>
/// <param name="WaitingUntil">And until when at most (the approval timeout, the timer's end, the wait for the other run).</param>
public sealed record RunStatus(
    string RunId,
    string Server,
    int Steps,
    string CurrentStep,
    string? AwaitingApproval = null,
    int? ApprovalStep = null,
    int? ApprovalsNeeded = null,
    IReadOnlyList<string>? ApprovedBy = null,
    DateTimeOffset? WaitingSince = null,
    DateTimeOffset? WaitingUntil = null);

/// <summary>
/// An operator's answer to an approval request (event <see cref="RunEvents.Approval"/>), bound to the step and action
/// it decides: a run drops a decision meant for another step (a double click Durable kept for later).
/// </summary>
/// <param name="Approved">Approve or reject.</param>
/// <param name="By">The signed-in approver's name (from their token).</param>
/// <param name="Comment">Why, as they wrote it.</param>
/// <param name="Action">The action decided.</param>
/// <param name="Step">The step decided.</param>
/// <param name="ById">The approver's object ID: two approvals from one person are one approval.</param>
/// <param name="RunId">The run decided: the instance ID is reused per server, so a decision meant for an earlier run is dropped.</param>
public sealed record ApprovalDecision(bool Approved, string By, string? Comment, string? Action = null, int? Step = null, string? ById = null, string? RunId = null)
{
    /// <summary>Name and object ID, as the run records them.</summary>
    public string Who => ById is null ? By : $"{By} ({ById})";
}

/// <summary>
/// An operator's cancel (event <see cref="RunEvents.Cancel"/>), naming the run it stops: the instance ID is reused per
/// server, so a cancel meant for an earlier run never stops the next one.
/// </summary>
public sealed record RunCancel(string RunId, string By);

/// <summary>External events a run listens to.</summary>
public static class RunEvents
{
    /// <summary>Approve or reject the disruptive step the run waits on.</summary>
    public const string Approval = "Approval";

    /// <summary>Stop the run; clean-up steps (protocol logging off) still run.</summary>
    public const string Cancel = "Cancel";
}
