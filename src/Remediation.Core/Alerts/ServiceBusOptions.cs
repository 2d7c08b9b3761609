using System.ComponentModel.DataAnnotations;
namespace Remediation.Alerts;

/// <summary>The Service Bus alerts queue. Unset: the in-process queue is used.</summary>
public sealed class ServiceBusOptions : IValidatableObject
{
    public const string Section = "Remediation:ServiceBus";

    /// <summary>Connection string (local runs; a Key Vault reference if used in Azure). Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The namespace (name.servicebus.windows.net), reached with a managed identity (what Azure uses).</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>Client ID of the user-assigned managed identity; unset: the default Azure credential chain.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The alerts queue.</summary>
    public string QueueName { get; set; } = "imap-alerts";

    /// <summary>True when Service Bus is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString) || !string.IsNullOrWhiteSpace(FullyQualifiedNamespace);

    /// <summary>The client: by connection string, else by managed identity.</summary>
    public Azure.Messaging.ServiceBus.ServiceBusClient CreateClient() =>
        !string.IsNullOrWhiteSpace(ConnectionString)
            ? new(ConnectionString)
            : new(FullyQualifiedNamespace, AzureIdentity.Credential(ManagedIdentityClientId));

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString) && !string.IsNullOrWhiteSpace(FullyQualifiedNamespace))
        {
            yield return OptionsRegistration.Invalid(Section, nameof(FullyQualifiedNamespace), "and ConnectionString are both set: choose one (the namespace with a managed identity in Azure).");
        }

        if (string.IsNullOrWhiteSpace(QueueName) || QueueName.Length > 260)
        {
            yield return OptionsRegistration.Invalid(Section, nameof(QueueName), "is required (at most 260 characters).");
        }
    }
}
