using System.Text.Json.Serialization;

namespace Remediation.Probes;

/// <summary>
/// The probable area of a failure (the runbook's dependency list), derived from the phase that failed. Written as its
/// name (the word the run steps and telemetry always used) on every wire (Durable history, JSON, telemetry), as it was when it was a string.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<DependencyArea>))]
public enum DependencyArea
{
    /// <summary>TCP: the endpoint, the network or the Hybrid Connection.</summary>
    Network,

    /// <summary>The TLS handshake: certificates, protocols.</summary>
    TLS,

    /// <summary>The probe account's login was refused (Active Directory, authentication).</summary>
    Authentication,

    /// <summary>The front end could not reach the mailbox server behind the probe mailbox ([UNAVAILABLE] at login).</summary>
    Proxy,

    /// <summary>The mailbox could not be opened or used (information store).</summary>
    Store,
}

/// <summary>Probe result types, as Managed Availability reports them.</summary>
public enum ProbeOutcome
{
    /// <summary>Every phase passed.</summary>
    Succeeded,

    /// <summary>A phase failed.</summary>
    Failed,

    /// <summary>The probe did not finish within its timeout.</summary>
    TimedOut,
}

/// <summary>The phases of an IMAP probe, in order.</summary>
public enum ProbePhase
{
    /// <summary>TCP connect.</summary>
    Connect,

    /// <summary>TLS handshake (on connect or after STARTTLS).</summary>
    Tls,

    /// <summary>Server greeting and CAPABILITY.</summary>
    Greeting,

    /// <summary>LOGIN / AUTHENTICATE.</summary>
    Auth,

    /// <summary>SELECT INBOX.</summary>
    Select,

    /// <summary>NOOP / SEARCH.</summary>
    Command,

    /// <summary>LOGOUT.</summary>
    Logout,
}

/// <summary>What one probe run found. Never carries a credential.</summary>
/// <param name="Server">The Exchange server probed.</param>
/// <param name="Probe">Probe name (e.g. ImapSelfTestProbe).</param>
/// <param name="HealthSet">The health set the probe feeds.</param>
/// <param name="Endpoint">host:port probed.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="LatencyMs">Total time.</param>
/// <param name="Result">Succeeded, Failed or TimedOut.</param>
/// <param name="FailedPhase">The phase that failed, if any.</param>
/// <param name="ResponseCode">IMAP response code of the failure (e.g. UNAVAILABLE), if the server gave one.</param>
/// <param name="Error">Error text (the server's, or the transport's).</param>
/// <param name="DependencyArea">Probable area of the failure: Network, TLS, Authentication, Proxy, Store.</param>
/// <param name="PhaseLatencyMs">Milliseconds per completed phase.</param>
/// <param name="MailboxServer">The mailbox server behind the probe mailbox: the server's own _Mbx: hint when it gave one, else the configured one.</param>
public sealed record ProbeResult(
    string Server,
    string Probe,
    string HealthSet,
    string Endpoint,
    DateTimeOffset StartedAt,
    double LatencyMs,
    ProbeOutcome Result,
    ProbePhase? FailedPhase,
    string? ResponseCode,
    string? Error,
    DependencyArea? DependencyArea,
    IReadOnlyDictionary<ProbePhase, double> PhaseLatencyMs,
    string? MailboxServer = null)
{
    /// <summary>True when the probe passed.</summary>
    public bool Succeeded => Result == ProbeOutcome.Succeeded;

    /// <summary>One line for logs and run steps.</summary>
    public string Summary => Succeeded
        ? $"{Probe} on {Server} ({Endpoint}) Succeeded in {LatencyMs:F0} ms"
        : $"{Probe} on {Server} ({Endpoint}) {Result} at {FailedPhase}{(ResponseCode is null ? "" : $" [{ResponseCode}]")}: {Error}";
}
