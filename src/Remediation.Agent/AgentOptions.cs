using System.ComponentModel.DataAnnotations;
using Remediation.AgentApi;
using Remediation.Imap;

namespace Remediation.Agent;

/// <summary>What the agent trusts and what it may do. Everything not listed is refused.</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>Signing keys by key ID, base64 (at least 32 bytes). Two keys at once while one rotates. Never logged.</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>How far a request's timestamp may be from the agent's clock.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:15:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The servers the agent may act on (case-insensitive).</summary>
    public List<string> ManagedServers { get; set; } = [];

    /// <summary>Operations allowed; empty means every operation the agent knows.</summary>
    public List<AgentOperation> AllowedOperations { get; set; } = [];

    /// <summary>Services that may be restarted.</summary>
    public List<string> AllowedServices { get; set; } = [.. ImapServices.All];

    /// <summary>
    /// Off by default: Restart-Computer is refused whatever else says. Turn it on only on agents whose servers the
    /// product may restart (playbooks 3.1 and 3.4 need it).
    /// </summary>
    public bool AllowServerRestart { get; set; }

    /// <summary>
    /// Off by default: -DatabaseCopyActivationDisabledAndMoveNow $true (a drain) is refused. Fail-back ($false) is
    /// always allowed: it only undoes a drain.
    /// </summary>
    public bool AllowDrain { get; set; }

    /// <summary>
    /// Longest the caller waits for an answer before a 504. Every operation answers within it: a server restart only
    /// starts (the engine watches the server come back through GET .../state).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest any operation may run before the agent abandons it (after answering 504, it goes on until this).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan ExecutionLimit { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long an idempotency key's answer is kept.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The agent's memory across restarts (SQLite): accepted nonces and idempotent answers. Relative paths are beside
    /// the agent's binaries (a Windows service's working directory is System32).
    /// </summary>
    [Required]
    public string StatePath { get; set; } = "agent-state.db";

    /// <summary>The append-only audit log (JSON lines); relative paths are beside the agent's binaries.</summary>
    [Required]
    public string AuditLogPath { get; set; } = "agent-audit.jsonl";

    /// <summary>Size at which the audit log rotates.</summary>
    [Range(64 * 1024, 1024L * 1024 * 1024)]
    public long AuditMaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Rotated audit files kept (agent-audit.1.jsonl is the newest).</summary>
    [Range(1, 100)]
    public int AuditFiles { get; set; } = 10;

    /// <summary>Unauthenticated requests written one by one each minute; the rest are counted in one summary line.</summary>
    [Range(1, 10_000)]
    public int UnauthenticatedAuditPerMinute { get; set; } = 20;

    /// <summary>True when <paramref name="operation"/> is allowed.</summary>
    public bool Allows(AgentOperation operation) => AllowedOperations.Count == 0 || AllowedOperations.Contains(operation);

    /// <summary>True when <paramref name="server"/> is managed.</summary>
    public bool Manages(string server) => ManagedServers.Exists(s => string.Equals(s, server, StringComparison.OrdinalIgnoreCase));
}
