using System.Security.Cryptography;
using System.Text;

namespace Remediation.Alerts;

/// <summary>The queue message ID of an alert: what duplicate detection keys on, within Service Bus's limits.</summary>
public static class AlertMessageId
{
    /// <summary>Service Bus's limit on message and correlation IDs.</summary>
    public const int MaxLength = 128;

    /// <summary>
    /// The alert ID itself when it fits (128 characters), else <c>sha256:</c> and the hex SHA-256 of the alert ID.
    /// Deterministic, so duplicate detection still works on any alert: Azure Monitor's alert IDs are resource paths of
    /// 132 characters and more.
    /// </summary>
    public static string For(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        return alertId.Length <= MaxLength ? alertId : $"sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(alertId)))}";
    }
}
