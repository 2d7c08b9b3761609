using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Remediation.Operators;

namespace Remediation.Safety;

/// <summary>
/// GET/POST /api/maintenance and DELETE /api/maintenance/{id} as both hosts answer them: windows with whether each is
/// open now and when it next opens; a new window checked with an error that names what is wrong.
/// </summary>
public sealed partial class MaintenanceHttp(MaintenanceCalendar calendar, ILogger<MaintenanceHttp> logger)
{
    /// <summary>GET: every window.</summary>
    public async Task<IResult> ListAsync(CancellationToken cancellationToken) => Results.Ok(await calendar.ViewAsync(cancellationToken));

    /// <summary>POST: schedules a window from a JSON body (server|dag|site, start or days+at, duration, reason) as <paramref name="by"/>.</summary>
    public async Task<IResult> ScheduleAsync(HttpRequest request, Operator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(by);
        if (request.HasJsonContentType() is false)
        {
            return Results.Problem("Send the window as application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        MaintenanceWindow? window;
        try
        {
            window = await request.ReadFromJsonAsync<MaintenanceWindow>(JsonDefaults.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Invalid($"the body is not a maintenance window: {ex.Message}");
        }

        if (window is null)
        {
            return Invalid("the body is empty.");
        }

        var (scheduled, problem) = await calendar.ScheduleAsync(window, by.Display, cancellationToken);
        return scheduled is null ? Invalid(problem!) : Results.Created($"/api/maintenance/{scheduled.Id}", scheduled);
    }

    /// <summary>DELETE: removes a scheduled window as <paramref name="by"/>.</summary>
    public async Task<IResult> RemoveAsync(string id, Operator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (!await calendar.RemoveAsync(id, cancellationToken))
        {
            return Results.Problem($"No scheduled maintenance window '{id}' (windows from settings are changed in settings).", statusCode: StatusCodes.Status404NotFound);
        }

        LogRemoved(logger, id, by.Display);
        return Results.NoContent();
    }

    [LoggerMessage(LogLevel.Warning, "Maintenance window {WindowId} removed by {Operator}")]
    static partial void LogRemoved(ILogger logger, string windowId, string @operator);

    static IResult Invalid(string problem) => Results.ValidationProblem(new Dictionary<string, string[]> { ["window"] = [$"Maintenance window: {problem}"] });
}
