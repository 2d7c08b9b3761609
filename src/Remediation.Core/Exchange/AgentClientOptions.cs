namespace Remediation.Exchange;

/// <summary>Where the on-premises agent is (through its Hybrid Connection) and the key that signs requests to it.</summary>
public sealed class AgentClientOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Remediation:Agent";

    /// <summary>The agent's base address (https://agent-host:port/). Unset: no agent; playbooks that need Exchange escalate.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The key ID the agent knows the key by.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>The signing key, base64 (a Key Vault reference in Azure). Never logged.</summary>
    public string Key { get; set; } = "";

    /// <summary>Per-request timeout; a server restart waits longer on the agent's side.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(25);

    /// <summary>True when an agent is configured.</summary>
    public bool IsConfigured => BaseAddress is not null && KeyId.Length > 0 && Key.Length > 0;
}
