using System.Globalization;
using Remediation.Imap;

namespace Remediation.AgentApi;

/// <summary>The Exchange operations the on-premises agent performs, and nothing else.</summary>
public enum AgentOperation
{
    /// <summary>Get-ServerHealth.</summary>
    GetServerHealth,

    /// <summary>Invoke-MonitoringProbe.</summary>
    InvokeMonitoringProbe,

    /// <summary>Restart-Service MSExchangeIMAP4 / MSExchangeIMAP4BE.</summary>
    RestartService,

    /// <summary>Restart-Computer -Force: starts the restart and answers at once (the engine watches it come back).</summary>
    RestartServer,

    /// <summary>Set-MailboxServer -DatabaseCopyActivationDisabledAndMoveNow.</summary>
    SetDatabaseCopyActivation,

    /// <summary>Get-MailboxDatabaseCopyStatus.</summary>
    GetDatabaseCopyStatus,

    /// <summary>Get-ImapSettings.</summary>
    GetImapSettings,

    /// <summary>Set-ImapSettings -ProtocolLogEnabled.</summary>
    SetImapSettings,

    /// <summary>The MSExchangeImap4 performance counters.</summary>
    GetImapCounters,

    /// <summary>Win32_OperatingSystem's last boot time and the IMAP4 services' state (is a restarted server back?).</summary>
    GetServerState,

    /// <summary>
    /// Move-ActiveMailboxDatabase -ActivatePreferredOnServer: the databases whose preferred copy is on the server are
    /// made active there again (fail-back; Set-MailboxServer ... $false only allows activation again, it moves nothing).
    /// </summary>
    ActivatePreferredOnServer,

    /// <summary>Get-ServerComponentState -Identity: Exchange's own maintenance switches (ServerWideOffline, ImapProxy...).</summary>
    GetServerComponentState,
}

/// <summary>Body of POST .../probes.</summary>
public sealed record InvokeProbeRequest(string HealthSet, string Probe);

/// <summary>
/// Result of Invoke-MonitoringProbe: <paramref name="Result"/> is the probe result's ResultType by name (see
/// <see cref="ProbeResultTypes"/>), or <see cref="ProbeResultTypes.Unknown"/> when Exchange gave none.
/// </summary>
public sealed record MonitoringProbeResult(string Server, string Identity, string Result, string? Error, double LatencyMs);

/// <summary>
/// Managed Availability's probe result types. A probe result carries ResultType 1 Timeout, 2 Poisoned, 3 Succeeded,
/// 4 Failed, 5 Quarantined, 6 Rejected (source: Microsoft's CSS-Exchange, Diagnostics/ManagedAvailabilityTroubleshooter,
/// which reads ProbeResult events so); Microsoft's health-set troubleshooting pages say to read the probe's result and
/// take Succeeded as "the issue was transient". Only Succeeded is a pass, only Failed and Timeout a failure: a poisoned,
/// quarantined or rejected probe did not really run, and says nothing either way.
/// </summary>
public static class ProbeResultTypes
{
    /// <summary>The probe passed.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>The probe failed.</summary>
    public const string Failed = "Failed";

    /// <summary>The probe did not finish in its time.</summary>
    public const string Timeout = "Timeout";

    /// <summary>No result type was given, or one this product does not know.</summary>
    public const string Unknown = "Unknown";

    static readonly string[] ByNumber = ["", Timeout, "Poisoned", Succeeded, Failed, "Quarantined", "Rejected"];

    /// <summary>The result type by name, from the name or the number Exchange gave (case-insensitive); Unknown otherwise.</summary>
    public static string Normalize(string? raw)
    {
        var value = raw?.Trim() ?? "";
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number is > 0 and < 7 ? ByNumber[number] : Unknown;
        }

        return ByNumber.Skip(1).FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase)) ?? Unknown;
    }

    /// <summary>Did the probe pass?</summary>
    public static bool IsPass(string result) => string.Equals(result, Succeeded, StringComparison.OrdinalIgnoreCase);

    /// <summary>Did the probe run and fail (Failed or Timeout)?</summary>
    public static bool IsFailure(string result) =>
        string.Equals(result, Failed, StringComparison.OrdinalIgnoreCase) || string.Equals(result, Timeout, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Answer of a restart: the service or server is back (or not) after the wait; <paramref name="Restarted"/> says whether
/// it really went through a stop (read back Stopped before it ran again): a service that never stopped still runs with
/// its old settings (protocol logging applies only at a restart). Null: not known.
/// </summary>
public sealed record RestartResult(string Server, string Target, bool Running, double ElapsedMs, string Detail, bool? Restarted = null);

/// <summary>A server restart was started (Restart-Computer -Force); the server had last booted at <paramref name="BootedBefore"/>.</summary>
public sealed record ServerRestartStarted(string Server, DateTimeOffset BootedBefore, string Detail);

/// <summary>
/// Is a server up: its operating system (last boot time) and the IMAP4 services it has, by name with Win32_Service's
/// State (Running, Stopped, Start Pending...). Unreachable while it reboots (<paramref name="Detail"/> says why).
/// </summary>
public sealed record ServerState(string Server, bool Reachable, DateTimeOffset? LastBoot, IReadOnlyDictionary<string, string> Services, string Detail)
{
    /// <summary>
    /// True once the server has booted since <paramref name="bootedBefore"/> and, of <paramref name="services"/>, every
    /// one it has runs (at least one): the OS answering is not enough, IMAP4 starts minutes after it on Exchange.
    /// </summary>
    public bool IsBackFrom(DateTimeOffset bootedBefore, IEnumerable<string> services)
    {
        // Service names compare without case, as Windows does (the wire dictionary is ordinal).
        var installed = Services.Where(kv => services.Contains(kv.Key, StringComparer.OrdinalIgnoreCase)).ToList();
        return Reachable && LastBoot > bootedBefore && installed.Count > 0
            && installed.All(kv => string.Equals(kv.Value, "Running", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>Body of PUT .../database-copy-activation.</summary>
public sealed record DatabaseCopyActivationRequest(bool DisabledAndMoveNow);

/// <summary>One database copy as Get-MailboxDatabaseCopyStatus shows it.</summary>
/// <param name="Database">The database.</param>
/// <param name="Server">The server this copy is on.</param>
/// <param name="Status">Its Status word (<see cref="CopyStatus"/>).</param>
/// <param name="ActivationPreference">1 for the preferred server.</param>
/// <param name="ActiveOn">ActiveDatabaseCopy: the server the database is mounted on, in the DAG's view (null: not read).</param>
/// <param name="CopyQueueLength">Logs not yet copied to this copy (null: not read).</param>
/// <param name="ReplayQueueLength">Logs copied but not yet replayed into it (null: not read).</param>
public sealed record DatabaseCopy(string Database, string Server, string Status, int ActivationPreference, string? ActiveOn = null, long? CopyQueueLength = null, long? ReplayQueueLength = null);

/// <summary>Get-MailboxDatabaseCopyStatus -Server X, with the runbook's "| Group Status".</summary>
/// <param name="Server">The mailbox server.</param>
/// <param name="Copies">Its database copies.</param>
/// <param name="ActivationDisabled">Get-MailboxServer's DatabaseCopyActivationDisabledAndMoveNow: no copy here can be activated (null: not read).</param>
/// <param name="AutoActivationPolicy">Get-MailboxServer's DatabaseCopyAutoActivationPolicy: Unrestricted, IntrasiteOnly or Blocked (an administrator's maintenance switch; null: not read).</param>
public sealed record DatabaseCopyStatus(string Server, IReadOnlyList<DatabaseCopy> Copies, bool? ActivationDisabled = null, string? AutoActivationPolicy = null)
{
    /// <summary>Copies by status (Mounted, Healthy, Failed...).</summary>
    public IReadOnlyDictionary<string, int> ByStatus => Copies.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>True when no copy on the server is active or on its way in or out (Mounted, Mounting, Dismounting).</summary>
    public bool HasNoActiveCopy => !Copies.Any(c => CopyStatus.IsActive(c.Status));

    /// <summary>
    /// Why this reading does not prove the server can be restarted, or null when it does (PLAYBOOKS.md 3.1 step 4,
    /// judged from the DAG's view): every copy on the server reads Healthy (passive, replicating) and, where the DAG's
    /// view was read, its database is mounted on another server. Any other status (ServiceDown, Unknown, Failed,
    /// Initializing, Dismounted...) or no copy at all is not proof: nothing says where the database is.
    /// </summary>
    public string? NotProvenDrained()
    {
        if (Copies.Count == 0)
        {
            return $"no database copy of {Server} was reported";
        }

        var doubtful = Copies.Where(c => c.Status != CopyStatus.Healthy || string.Equals(c.ActiveOn, Server, StringComparison.OrdinalIgnoreCase)).ToList();
        return doubtful.Count == 0
            ? null
            : string.Join(", ", doubtful.Select(c => $"{c.Database} on {c.Server}: {c.Status}{(c.ActiveOn is null ? "" : $", mounted on {c.ActiveOn}")}"));
    }

    /// <summary>True when no copy is between states (Mounting, Dismounting, Initializing): what it reads will stay.</summary>
    public bool IsSettled => !Copies.Any(c => CopyStatus.IsChanging(c.Status));
}

/// <summary>One line of Get-ServerComponentState: a component and whether it serves (Active) or not (Inactive, Draining).</summary>
public sealed record ComponentState(string Component, string State);

/// <summary>Get-ServerComponentState -Identity X: Exchange's own maintenance mode, as administrators set it.</summary>
/// <param name="Server">The server.</param>
/// <param name="Components">Every component with its state.</param>
public sealed record ServerComponentStates(string Server, IReadOnlyList<ComponentState> Components)
{
    /// <summary>The components that take a server out of IMAP service when not Active (Microsoft's maintenance-mode procedure sets ServerWideOffline Inactive).</summary>
    public static readonly string[] ImapComponents = ["ServerWideOffline", "ImapProxy"];

    /// <summary>True when Exchange itself has the server (or its IMAP proxy) out of service: in maintenance, never touched, never a peer.</summary>
    public bool InMaintenance => Components.Any(c => ImapComponents.Contains(c.Component, StringComparer.OrdinalIgnoreCase) && !string.Equals(c.State, "Active", StringComparison.OrdinalIgnoreCase));
}

/// <summary>Get-ImapSettings -Server X (the fields the playbooks read).</summary>
public sealed record ImapSettings(string Server, bool ProtocolLogEnabled, string LogFileLocation);

/// <summary>Body of PUT .../imap-settings.</summary>
public sealed record SetImapSettingsRequest(bool ProtocolLogEnabled);

/// <summary>MSExchangeImap4 "Average Command Processing Time" (ms) and "Requests Queued".</summary>
public sealed record ImapCounters(string Server, double AverageCommandProcessingTimeMs, long? RequestsQueued);

/// <summary>Get-ServerHealth rows of a server.</summary>
public sealed record ServerHealthReport(string Server, IReadOnlyList<ServerHealthRow> Rows);

/// <summary>One line of the agent's audit log.</summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string? KeyId,
    string Method,
    string Path,
    string? Operation,
    string? Server,
    IReadOnlyDictionary<string, string> Arguments,
    int Status,
    string Outcome,
    double DurationMs,
    string? IdempotencyKey);
