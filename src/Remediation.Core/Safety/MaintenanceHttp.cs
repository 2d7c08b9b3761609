using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Remediation.Safety;

/// <summary>
/// GET/POST /api/maintenance and DELETE /api/maintenance/{id} as both hosts answer them: windows with whether each is
/// open now and when it next opens; a new window checked with an error that names what is wrong.
/// </summary>
public sealed class MaintenanceHttp(MaintenanceCalendar calendar)
{
    /// <summary>GET: every window.</summary>
    public async Task<IResult> ListAsync(CancellationToken cancellationToken) => Results.Ok(await calendar.ViewAsync(cancellationToken));

    /// <summary>POST: schedules a window from a JSON body (server|dag|site, start or days+at, duration, reason).</summary>
    public async Task<IResult> ScheduleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
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

        var (scheduled, problem) = await calendar.ScheduleAsync(window, by: null, cancellationToken);
        return scheduled is null ? Invalid(problem!) : Results.Created($"/api/maintenance/{scheduled.Id}", scheduled);
    }

    /// <summary>DELETE: removes a scheduled window.</summary>
    public async Task<IResult> RemoveAsync(string id, CancellationToken cancellationToken) =>
        await calendar.RemoveAsync(id, cancellationToken) ? Results.NoContent()
        : Results.Problem($"No scheduled maintenance window '{id}' (windows from settings are changed in settings).", statusCode: StatusCodes.Status404NotFound);

    static IResult Invalid(string problem) => Results.ValidationProblem(new Dictionary<string, string[]> { ["window"] = [$"Maintenance window: {problem}"] });
}
