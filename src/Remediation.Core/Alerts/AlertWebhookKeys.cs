using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Remediation.Alerts;

/// <summary>
/// The standalone host's webhook keys (the Functions app's alert function uses its function key instead): machines
/// that post alerts (an Azure Monitor action group, SCOM) are callers with a key, not people. A key arrives as
/// <c>?code=</c> (an action group can only put it in the URL) or in the <c>x-functions-key</c> header, as the
/// Functions host takes them, so one webhook URL shape serves both hosts.
/// </summary>
public sealed class AlertWebhookOptions
{
    public const string Section = "Remediation:Alerts";

    /// <summary>Named webhook keys (a name per caller, so one can be rotated alone); each at least 32 characters.</summary>
    public Dictionary<string, string> WebhookKeys { get; set; } = [];
}

/// <summary>Checks a webhook key in constant time.</summary>
public sealed class AlertWebhookKeys(IOptionsMonitor<AlertWebhookOptions> options)
{
    /// <summary>The header the key may arrive in.</summary>
    public const string Header = "x-functions-key";

    /// <summary>Whether <paramref name="request"/> carries one of the configured keys.</summary>
    public bool IsValid(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var presented = request.Headers[Header].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        // Hashes compared, so neither the length nor the content of a key leaks through timing.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var valid = false;
        foreach (var key in options.CurrentValue.WebhookKeys.Values)
        {
            valid |= key.Length >= 32 && CryptographicOperations.FixedTimeEquals(hash, SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        }

        return valid;
    }
}
