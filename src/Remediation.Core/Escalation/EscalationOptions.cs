using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Remediation.Escalation;

/// <summary>Where escalations go. Every configured channel gets each one; none configured: the ledger and logs only.</summary>
public sealed class EscalationOptions : IValidatableObject
{
    public const string Section = "Remediation:Escalation";

    /// <summary>A URL that receives the run as JSON (Teams/Slack workflow, ITSM, Logic App...).</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>
    /// A Microsoft Teams Workflows webhook URL: approval requests and escalations are posted there as Adaptive Cards
    /// (<see cref="TeamsCards"/>).
    /// </summary>
    public Uri? TeamsWorkflowUrl { get; set; }

    /// <summary>The console's address, for the cards' deep links (the standalone host's root, or the Functions app's /api/dashboard).</summary>
    public Uri? ConsoleUrl { get; set; }

    /// <summary>E-mail through an SMTP relay.</summary>
    public SmtpOptions? Smtp { get; set; }

    // An absolute https URL, plain http only on loopback (tests): what is sent there carries the run's evidence.
    /// <summary>True when <paramref name="url"/> is a Key Vault reference App Service could not resolve.</summary>
    public static bool IsUnresolved(Uri? url) => url is not null && UnresolvedSettings.IsUnresolved(url.OriginalString);

    static bool CarriesEvidenceSafely(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // An unresolved Key Vault reference is a channel not ready, not a wrong URL: the escalation says so (EscalateActivity).
        if (WebhookUrl is { } url && !IsUnresolved(url) && !CarriesEvidenceSafely(url))
        {
            yield return OptionsRegistration.Invalid(Section, nameof(WebhookUrl), "must be an absolute https URL (plain http only on loopback): escalations carry the run's evidence.");
        }

        if (TeamsWorkflowUrl is { } teams && !IsUnresolved(teams) && !CarriesEvidenceSafely(teams))
        {
            yield return OptionsRegistration.Invalid(Section, nameof(TeamsWorkflowUrl), "must be an absolute https URL (plain http only on loopback): cards carry the run's evidence.");
        }

        if (ConsoleUrl is { IsAbsoluteUri: false })
        {
            yield return OptionsRegistration.Invalid(Section, nameof(ConsoleUrl), "must be an absolute URL (the cards link to it).");
        }

        if (Smtp is { } smtp)
        {
            if (string.IsNullOrWhiteSpace(smtp.Host))
            {
                yield return OptionsRegistration.Invalid(Section, "Smtp:Host", "is required when Smtp is set.");
            }

            if (smtp.Port is < 1 or > 65535)
            {
                yield return OptionsRegistration.Invalid(Section, "Smtp:Port", "must be between 1 and 65535.");
            }

            if (string.IsNullOrWhiteSpace(smtp.From) || smtp.To.Count == 0)
            {
                yield return OptionsRegistration.Invalid(Section, "Smtp:From", "and Smtp:To are required when Smtp is set.");
            }
        }
    }
}


/// <summary>SMTP relay for escalation e-mail (MailKit).</summary>
public sealed class SmtpOptions
{
    /// <summary>Relay host.</summary>
    public string Host { get; set; } = "";

    /// <summary>Relay port.</summary>
    public int Port { get; set; } = 587;

    /// <summary>TLS mode.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    /// <summary>Login, if the relay needs one.</summary>
    public string? User { get; set; }

    /// <summary>Password (secret; a Key Vault reference in Azure).</summary>
    public string? Password { get; set; }

    /// <summary>Sender address.</summary>
    public string From { get; set; } = "";

    /// <summary>Recipients.</summary>
    public List<string> To { get; set; } = [];
}
