using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Remediation.Topology;

namespace Remediation.Alerts;

/// <summary>
/// The alert webhook's work, shared by both hosts: parse, validate, publish. Idempotent on the alert ID: the queue's
/// duplicate detection drops an action group's retries.
/// </summary>
public sealed partial class AlertIntake(IAlertPublisher publisher, IOptionsMonitor<TopologyOptions> topology, TimeProvider time, ILogger<AlertIntake> logger)
{
    /// <summary>Reads at most <see cref="AlertWebhook.MaxBodyBytes"/> + 1 bytes of <paramref name="body"/> and handles them.</summary>
    public async Task<WebhookResult> ReceiveAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > AlertWebhook.MaxBodyBytes)
            {
                break; // enough to know it is too large; the rest is never read
            }
        }

        var result = AlertWebhook.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), topology.CurrentValue, time);
        if (result.Alert is { } alert)
        {
            await publisher.PublishAsync(alert, cancellationToken);
            LogAccepted(logger, alert.AlertId, alert.Source, alert.Server, alert.HealthSet);
        }
        else if (result.IsInvalid)
        {
            LogRefused(logger, string.Join("; ", result.Errors.SelectMany(e => e.Value)));
        }

        return result;
    }

    /// <summary>The webhook's HTTP answer, the same from both hosts: 413, 400 naming the fields, 200 ignored, or 202 queued.</summary>
    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > AlertWebhook.MaxBodyBytes)
        {
            return Results.Problem($"The body is larger than {AlertWebhook.MaxBodyBytes / 1024} KB.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Alert too large");
        }

        // JSON only: a browser can send text/plain or a form across sites without asking (no CORS preflight), so a page
        // an operator visits could otherwise post alerts in their name.
        if (!request.HasJsonContentType())
        {
            return Results.Problem("Post the alert as application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON only");
        }

        var result = await ReceiveAsync(request.Body, cancellationToken);
        return result switch
        {
            { IsInvalid: true } => Results.ValidationProblem(result.Errors),
            { Ignored: { } why } => Results.Ok(new { ignored = why }),
            _ => Results.Accepted(value: new { result.Alert!.AlertId, result.Alert.Server, result.Alert.HealthSet, result.Alert.Monitor }),
        };
    }

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} from {Source} accepted for {Server} ({HealthSet})")]
    static partial void LogAccepted(ILogger logger, string alertId, string source, string server, string healthSet);

    [LoggerMessage(LogLevel.Warning, "Alert refused: {Errors}")]
    static partial void LogRefused(ILogger logger, string errors);
}
