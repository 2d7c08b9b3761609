using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Remediation.Operators;
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
    public async Task<Results<Accepted<AcceptedAlert>, Ok<IgnoredAlert>, ProblemHttpResult, ValidationProblem>> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > AlertWebhook.MaxBodyBytes)
        {
            return TypedResults.Problem($"The body is larger than {AlertWebhook.MaxBodyBytes / 1024} KB.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Alert too large");
        }

        // JSON only: a browser can send text/plain or a form across sites without asking (no CORS preflight), so a page
        // an operator visits could otherwise post alerts in their name.
        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem("Post the alert as application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON only");
        }

        var result = await ReceiveAsync(request.Body, cancellationToken);
        return result switch
        {
            { IsInvalid: true } => TypedResults.ValidationProblem(result.Errors),
            { Ignored: { } why } => TypedResults.Ok(new IgnoredAlert(why)),
            _ => TypedResults.Accepted((string?)null, new AcceptedAlert(result.Alert!.AlertId, result.Alert.Server, result.Alert.HealthSet, result.Alert.Monitor)),
        };
    }

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} from {Source} accepted for {Server} ({HealthSet})")]
    static partial void LogAccepted(ILogger logger, string alertId, string source, string server, string healthSet);

    [LoggerMessage(LogLevel.Warning, "Alert refused: {Errors}")]
    static partial void LogRefused(ILogger logger, string errors);
}

/// <summary>POST /api/alerts's 202 body: the alert as queued.</summary>
public sealed record AcceptedAlert(string AlertId, string Server, string HealthSet, string? Monitor);

/// <summary>POST /api/alerts's 200 body for an alert that starts nothing (a Resolved condition, a test alert).</summary>
public sealed record IgnoredAlert(string Ignored);

/// <summary>The alert webhook of the standalone host, in one place (the Functions app's function calls the same <see cref="AlertIntake"/>).</summary>
public static class AlertsEndpoints
{
    /// <summary>POST /api/alerts: a caller with a webhook key (a machine), or a signed-in operator posting by hand.</summary>
    public static RouteHandlerBuilder MapAlertsApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/alerts", async (HttpRequest request, AlertIntake intake, AlertWebhookKeys keys, CancellationToken ct) =>
            keys.IsValid(request) ? await intake.HandleAsync(request, ct) : await OperatorGate.CheckAsync(request.HttpContext, OperatorRole.Operator) ?? await intake.HandleAsync(request, ct)).WithTags("Alerts");
}
