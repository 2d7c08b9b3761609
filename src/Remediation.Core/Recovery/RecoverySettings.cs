using System.ComponentModel.DataAnnotations;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>
/// Recovery's settings (section <see cref="Section"/>), validated at start-up, and what a run carries in its input:
/// orchestrators read no configuration and no clock, so every wait and threshold travels here (tests pass
/// milliseconds, production minutes) and a run records the values it used. A plan preview takes a copy
/// <c>with { DryRun = true }</c>.
/// </summary>
public sealed record RecoverySettings : IValidatableObject
{
    public const string Section = "Remediation:Recovery";

    /// <summary>Most looks one wait may take (wait / PollInterval): each is two history events of the run.</summary>
    public const int MaxLooksPerWait = 2000;

    /// <summary>Walk the playbooks and record what would be done, touching nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Playbook 3.4's wait before each health recheck (the runbook's 10 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RecheckWait { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Disruptive actions that need a human's approval (e.g. DatabaseFailover, ServerRestart).</summary>
    public IReadOnlyList<DisruptiveAction> ApprovalRequiredFor { get; init; } = [];

    /// <summary>
    /// Disruptive actions that need two different signed-in approvers (the four-eyes rule), whether or not they are
    /// also in <see cref="ApprovalRequiredFor"/>.
    /// </summary>
    public IReadOnlyList<DisruptiveAction> TwoApproversFor { get; init; } = [];

    /// <summary>How long an approval is waited for before the run escalates without acting.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "7.00:00:00")]
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a CAS run waits for the run of the mailbox server behind its probe mailbox (PLAYBOOKS.md 2.7) before it
    /// escalates: long enough for playbook 3.1 with a server restart.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan OtherRunWait { get; init; } = TimeSpan.FromMinutes(45);

    /// <summary>How often a run looks again at what it waits for: another server's run, copies settling, a restart.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a run waits for a drained server's database copies to settle (no Mounting/Dismounting) before it escalates.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan CopySettleWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a run watches a restarted server (every PollInterval) for its OS to have rebooted and its IMAP4 services
    /// to run again before it goes on without them (the runbook's 20 minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "02:00:00")]
    public TimeSpan RestartWait { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>How long a fail-back waits for a maintenance window covering its server to close before leaving it drained.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaintenanceWait { get; init; } = TimeSpan.FromHours(12);

    /// <summary>How long GET /api/plan/{server} waits for the preview (it reads health and asks the safety gate).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan PreviewTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A polling wait is a loop of durable timers: bounded, so a run's history stays small whatever the settings.
        foreach (var (name, wait) in new[] { (nameof(OtherRunWait), OtherRunWait), (nameof(CopySettleWait), CopySettleWait), (nameof(RestartWait), RestartWait) })
        {
            if (PollInterval > TimeSpan.Zero && wait / PollInterval > MaxLooksPerWait)
            {
                yield return OptionsRegistration.Invalid(Section, name, $"({wait}) is more than {MaxLooksPerWait} looks of PollInterval ({PollInterval}): raise PollInterval or shorten the wait.");
            }
        }
    }
}
