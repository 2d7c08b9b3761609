namespace Remediation;

/// <summary>How the engine signs in to Azure services it reaches without a connection string.</summary>
public static class AzureIdentity
{
    /// <summary>The user-assigned identity <paramref name="managedIdentityClientId"/>, or the default credential chain when unset.</summary>
    public static Azure.Core.TokenCredential Credential(string? managedIdentityClientId) => string.IsNullOrWhiteSpace(managedIdentityClientId)
        ? new Azure.Identity.DefaultAzureCredential()
        : new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(managedIdentityClientId));
}
