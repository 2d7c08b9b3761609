using System.ComponentModel.DataAnnotations;
using Azure.Data.Tables;

namespace Remediation.Storage;

/// <summary>
/// Durable state (run ledger, monitor state, the safety gate's throttles and holds) in Azure Table storage, reached
/// with a connection string (Azurite locally) or, in Azure, by account name with a managed identity.
/// Unset: in memory, per host, lost on restart.
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Remediation:Storage";

    /// <summary>Storage connection string (Azurite locally). Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Storage account name, reached with a managed identity (Azure), when there is no connection string.</summary>
    public string? AccountName { get; set; }

    /// <summary>Client ID of the user-assigned identity for <see cref="AccountName"/>; unset: the default credential chain.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Prefix of the tables (several deployments can share an account).</summary>
    public string TablePrefix { get; set; } = "imapremediation";

    /// <summary>True when table storage is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString) || !string.IsNullOrWhiteSpace(AccountName);

    /// <summary>The credential for <see cref="AccountName"/>.</summary>
    public Azure.Core.TokenCredential Credential() => AzureIdentity.Credential(ManagedIdentityClientId);

    /// <summary>The Table service client these settings describe.</summary>
    public TableServiceClient CreateTableServiceClient() => !string.IsNullOrWhiteSpace(ConnectionString)
        ? new TableServiceClient(ConnectionString)
        : new TableServiceClient(new Uri($"https://{AccountName}.table.core.windows.net"), Credential());

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Table names: letters and digits, starting with a letter, at most 63 characters with the longest suffix ("runalerts").
        if (TablePrefix.Length is 0 or > 54 || !char.IsAsciiLetter(TablePrefix[0]) || !TablePrefix.All(char.IsAsciiLetterOrDigit))
        {
            yield return OptionsRegistration.Invalid(Section, nameof(TablePrefix), $"'{TablePrefix}' must be 1-54 ASCII letters and digits, starting with a letter (it prefixes table names).");
        }

        if (!string.IsNullOrWhiteSpace(AccountName) && !AccountName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            yield return OptionsRegistration.Invalid(Section, nameof(AccountName), "must be a storage account name (lower-case letters and digits).");
        }
    }
}
