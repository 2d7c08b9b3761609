using System.Globalization;
using Microsoft.DurableTask;

namespace Remediation.Recovery;

/// <summary>
/// The orchestration versions of a recovery run. A Durable instance keeps the version it was started with, and its
/// history is replayed against whatever code runs it after a deploy: a step added before a point where runs wait would
/// make every waiting run fail with a non-determinism error. So each change to the order of a run's calls is a new
/// version, the new calls are taken only by runs of that version or later, and older runs replay the way they began
/// (learn.microsoft.com, "Orchestration versioning": client/context-based conditional versioning with
/// <c>StartOrchestrationOptions.Version</c> and <c>TaskOrchestrationContext.Version</c>). A call that comes after the
/// end of a run's history needs no version: it is new for every run.
/// </summary>
public static class RecoveryVersions
{
    /// <summary>The version new runs start with.</summary>
    public const string Current = "4";

    /// <summary>
    /// 1 (or none: started before runs had versions). 2: Exchange confirms before the run's first change; the safety
    /// gate is previewed before a person is asked to approve; 3.4 makes both rechecks and judges the monitor's own row
    /// (which also re-verifies an approval there); the failure is verified again after a maintenance wait before
    /// fail-back; approval decisions must name the run; a dry run shows the re-probe that follows an approval.
    /// </summary>
    public const int ExchangeConfirms = 2;

    /// <summary>3: the mailbox server behind a CAS's probe mailbox is read from Exchange (where its database is mounted).</summary>
    public const int ProbeMailboxLocated = 3;

    /// <summary>
    /// 4: protocol logging is proven off on both IMAP4 services of a multi-role server: after a server restart with
    /// logging on, the clean-up restarts the back end too (it came up logging).
    /// </summary>
    public const int BothServicesCleanedUp = 4;

    /// <summary><see cref="Current"/> as the number runs carry in their input.</summary>
    public static int CurrentNumber { get; } = int.Parse(Current, CultureInfo.InvariantCulture);

    /// <summary>
    /// The version the run was started with: from its input (<see cref="RecoveryRequest.Version"/>), else the
    /// instance's own version, else 1 (started before runs had versions).
    /// </summary>
    public static int Of(TaskOrchestrationContext context, RecoveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        return request.Version ?? (int.TryParse(context.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : 1);
    }
}
