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
using Remediation.Telemetry;

namespace Remediation.Escalation;

/// <summary>Input of <see cref="EscalateActivity"/>.</summary>
/// <param name="RunId">The run, already closed in the ledger.</param>
/// <param name="DryRun">The run was a dry run: every channel is told nothing was done.</param>
public sealed record EscalationRequest(string RunId, bool DryRun);

/// <summary>
/// Sends a run that automation could not finish to the configured channels, with its whole timeline. Each channel is
/// tried on its own: one that fails never keeps another from being tried, never fails the activity and never changes
/// the run's outcome; what each did is recorded on the run (<see cref="RunRecord.Escalation"/>) and counted in telemetry.
/// </summary>
public sealed partial class EscalateActivity(IRunLedger ledger, IHttpClientFactory http, IOptionsMonitor<EscalationOptions> options, ILogger<EscalateActivity> logger)
    : TaskActivity<EscalationRequest, string>
{
    static readonly JsonSerializerOptions Json = JsonDefaults.Options;

    /// <summary>Named HttpClient of the webhook channel.</summary>
    public const string WebhookClient = "escalation-webhook";

    /// <summary>Header on the webhook call of a dry run's escalation.</summary>
    public const string DryRunHeader = "X-Remediation-Dry-Run";

    /// <inheritdoc />
    public override Task<string> RunAsync(TaskActivityContext context, EscalationRequest input) => EscalateAsync(input);

    /// <summary>Tells every configured channel about the run (also called outside Durable, by the run reconciler).</summary>
    public async Task<string> EscalateAsync(EscalationRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = await ledger.GetAsync(input.RunId, CancellationToken.None) ?? throw new InvalidOperationException($"Run '{input.RunId}' is not in the ledger.");
        var settings = options.CurrentValue;
        LogEscalated(logger, run.RunId, run.Server, run.Outcome, run.Reason ?? "");
        var results = new List<string>();
        const string unresolved = "not sent: its secret is an unresolved Key Vault reference";
        if (EscalationOptions.IsUnresolved(settings.WebhookUrl))
        {
            results.Add($"webhook {unresolved} (WebhookUrl)");
        }
        else if (settings.WebhookUrl is { } url)
        {
            results.Add(await TryAsync("webhook", async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(run, options: Json) };
                if (input.DryRun)
                {
                    request.Headers.Add(DryRunHeader, "true");
                }

                using var response = await http.CreateClient(WebhookClient).SendAsync(request);
                response.EnsureSuccessStatusCode();
            }, run.RunId));
        }

        if (EscalationOptions.IsUnresolved(settings.TeamsWorkflowUrl))
        {
            results.Add($"teams {unresolved} (TeamsWorkflowUrl)");
        }
        else if (settings.TeamsWorkflowUrl is { } teams)
        {
            results.Add(await TryAsync("teams", () => TeamsCards.PostAsync(http.CreateClient(WebhookClient), teams, TeamsCards.Escalated(run, input.DryRun, settings.ConsoleUrl)), run.RunId));
        }

        if (settings.Smtp is { Host.Length: > 0 } && UnresolvedSettings.IsUnresolved(settings.Smtp.Password))
        {
            results.Add($"e-mail {unresolved} (Smtp:Password)");
        }
        else if (settings.Smtp is { Host.Length: > 0 } smtp)
        {
            results.Add(await TryAsync("e-mail", () => SendMailAsync(smtp, run, input.DryRun), run.RunId));
        }

        var summary = results.Count == 0
            ? "No escalation channel is configured: the run is in the ledger and the logs only."
            : $"{(input.DryRun ? "Dry run escalation: " : "")}{string.Join("; ", results)}.";
        await ledger.RecordEscalationAsync(run.RunId, summary, CancellationToken.None);
        return summary;
    }

    async Task<string> TryAsync(string channel, Func<Task> send, string runId)
    {
        try
        {
            await send();
            RemediationTelemetry.Escalations.Add(1, new("channel", channel), new("result", "delivered"));
            return $"{channel} delivered";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or MailKit.ProtocolException or MailKit.CommandException or System.Net.Sockets.SocketException or InvalidOperationException or FormatException or ParseException)
        {
            RemediationTelemetry.Escalations.Add(1, new("channel", channel), new("result", "failed"));
            LogChannelFailed(logger, ex, channel, runId);
            return $"{channel} FAILED ({ex.GetType().Name}: {ex.Message})";
        }
    }

    static async Task SendMailAsync(SmtpOptions smtp, RunRecord run, bool dryRun)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.AddRange(smtp.To.Select(MailboxAddress.Parse));
        message.Subject = $"[IMAP remediation]{(dryRun ? " [DRY RUN]" : "")} {run.Outcome} on {run.Server}: {run.Monitor ?? run.HealthSet}";
        message.Body = new TextPart("plain") { Text = (dryRun ? "DRY RUN: nothing was done on any server; this is what the run would have done.\n\n" : "") + Render(run) };
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

    [LoggerMessage(LogLevel.Error, "Escalation of run {RunId} through {Channel} failed")]
    static partial void LogChannelFailed(ILogger logger, Exception exception, string channel, string runId);

    [LoggerMessage(LogLevel.Warning, "Escalating run {RunId} on {Server}: {Outcome}: {Reason}")]
    static partial void LogEscalated(ILogger logger, string runId, string server, RunOutcome outcome, string reason);
}
