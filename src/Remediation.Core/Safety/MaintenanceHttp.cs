using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
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
    public async Task<Ok<IReadOnlyList<MaintenanceView>>> ListAsync(CancellationToken cancellationToken) => TypedResults.Ok(await calendar.ViewAsync(cancellationToken));

    /// <summary>POST: schedules a window from a JSON body (server|dag|site, start or days+at, duration, reason) as <paramref name="by"/>.</summary>
    public async Task<Results<Created<MaintenanceWindow>, ProblemHttpResult, ValidationProblem>> ScheduleAsync(HttpRequest request, Operator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(by);
        var (window, unreadable) = await OperatorBody.ReadAsync<MaintenanceWindow>(request, cancellationToken);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (window is null)
        {
            return Invalid("the body is empty.");
        }

        var (scheduled, problem) = await calendar.ScheduleAsync(window, by.Display, cancellationToken);
        return scheduled is null ? Invalid(problem!) : TypedResults.Created($"/api/maintenance/{scheduled.Id}", scheduled);
    }

    /// <summary>DELETE: removes a scheduled window as <paramref name="by"/>.</summary>
    public async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(string id, Operator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (!await calendar.RemoveAsync(id, cancellationToken))
        {
            return TypedResults.Problem($"No scheduled maintenance window '{id}' (windows from settings are changed in settings).", statusCode: StatusCodes.Status404NotFound, title: "Window not found");
        }

        LogRemoved(logger, id, by.Display);
        return TypedResults.NoContent();
    }

    [LoggerMessage(LogLevel.Warning, "Maintenance window {WindowId} removed by {Operator}")]
    static partial void LogRemoved(ILogger logger, string windowId, string @operator);

    static ValidationProblem Invalid(string problem) => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["window"] = [$"Maintenance window: {problem}"] });
}
