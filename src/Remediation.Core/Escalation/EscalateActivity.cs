using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Remediation.Runs;

namespace Remediation.Escalation;

/// <summary>Sends a run that automation could not finish to the configured channels, with its whole timeline.</summary>
public sealed partial class EscalateActivity(IRunLedger ledger, IHttpClientFactory http, IOptionsMonitor<EscalationOptions> options, ILogger<EscalateActivity> logger)
    : TaskActivity<string, bool>
{
    static readonly JsonSerializerOptions Json = JsonDefaults.Options;

    /// <summary>Named HttpClient of the webhook channel.</summary>
    public const string WebhookClient = "escalation-webhook";

    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, string input)
    {
        var run = await ledger.GetAsync(input, CancellationToken.None) ?? throw new InvalidOperationException($"Run '{input}' is not in the ledger.");
        var settings = options.CurrentValue;
        LogEscalated(logger, run.RunId, run.Server, run.Outcome, run.Reason ?? "");
        if (settings.WebhookUrl is { } url)
        {
            using var response = await http.CreateClient(WebhookClient).PostAsJsonAsync(url, run, Json);
            response.EnsureSuccessStatusCode();
        }

        if (settings.Smtp is { Host.Length: > 0 } smtp)
        {
            await SendMailAsync(smtp, run);
        }

        return true;
    }

    static async Task SendMailAsync(SmtpOptions smtp, RunRecord run)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.AddRange(smtp.To.Select(MailboxAddress.Parse));
        message.Subject = $"[IMAP remediation] {run.Outcome} on {run.Server}: {run.Monitor ?? run.HealthSet}";
        message.Body = new TextPart("plain") { Text = Render(run) };
        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security);
        if (smtp.User is { Length: > 0 } user)
        {
            await client.AuthenticateAsync(user, smtp.Password ?? "");
        }

        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }

    /// <summary>The run as a human reads it in a mail: outcome, why, then every step.</summary>
    public static string Render(RunRecord run)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Run {run.RunId} on {run.Server} ended {run.Outcome}.");
        text.AppendLine(run.Reason);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Health set: {run.HealthSet}; monitor: {run.Monitor ?? "(not named)"}; started {run.StartedAt:u}, ended {run.EndedAt:u}.");
        text.AppendLine();
        foreach (var step in run.Steps)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{step.Sequence}. {step.StartedAt:HH:mm:ss} {step.Name}: {step.Outcome}");
            text.AppendLine(CultureInfo.InvariantCulture, $"   {step.Operation}");
            if (step.Answer is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"   -> {step.Answer}");
            }
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Alerts: {string.Join(", ", run.Alerts.Select(a => $"{a.AlertId} ({a.Source})"))}");
        return text.ToString();
    }

    [LoggerMessage(LogLevel.Warning, "Escalating run {RunId} on {Server}: {Outcome}: {Reason}")]
    static partial void LogEscalated(ILogger logger, string runId, string server, RunOutcome outcome, string reason);
}
