namespace Remediation.Storage;

/// <summary>Durable state (run ledger, monitor state) in Azure Table storage; unset: in memory, lost on restart.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Remediation:Storage";

    /// <summary>Table storage connection string (Azurite locally). Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of the tables (several deployments can share an account).</summary>
    public string TablePrefix { get; set; } = "imapremediation";

    /// <summary>True when table storage is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString);
}
