namespace Remediation.Alerts;

/// <summary>The Service Bus alerts queue. Unset: the in-process queue is used.</summary>
public sealed class ServiceBusOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Remediation:ServiceBus";

    /// <summary>Connection string (a Key Vault reference in Azure). Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The alerts queue.</summary>
    public string QueueName { get; set; } = "imap-alerts";

    /// <summary>True when Service Bus is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString);
}
