using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Remediation.Operators;
using Remediation.Topology;

namespace Remediation.History;

/// <summary>GET /api/history/{server}?from=&amp;to=&amp;probe= as both hosts answer it (default: the last 24 hours).</summary>
public sealed class HistoryHttp(IProbeHistory history, IOptionsMonitor<TopologyOptions> topology, TimeProvider time)
{
    /// <summary>The header of GET /api/history that says where the history is kept and since when (<see cref="IProbeHistory.KeptWhere"/>).</summary>
    public const string KeptHeader = "Remediation-History-Kept";

    /// <summary>
    /// The series for <paramref name="request"/>'s query (<c>from</c>, <c>to</c> ISO 8601, <c>probe</c>): both hosts
    /// parse it here. With an ETag: an open server detail asking again between probe rounds gets 304 and no body
    /// (a day of one server's four probes is ~0.5 MiB).
    /// </summary>
    public async Task<Results<TaggedJson, ProblemHttpResult, ValidationProblem>> GetAsync(HttpRequest request, string server)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Time(request, "from") is not { Ok: true } from)
        {
            return Invalid("from");
        }

        if (Time(request, "to") is not { Ok: true } to)
        {
            return Invalid("to");
        }

        return (await GetAsync(server, from.Value, to.Value, request.Query["probe"].FirstOrDefault(), request.HttpContext.RequestAborted)).Result switch
        {
            Ok<IReadOnlyList<ProbeSeries>> series => new TaggedJson(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(series.Value, JsonDefaults.Options)),
            ProblemHttpResult problem => problem,
            ValidationProblem invalid => invalid,
            var other => throw new InvalidOperationException($"Unexpected answer {other.GetType().Name}."),
        };
    }

    /// <summary>The server's probe series in the range; 404 for an unknown server, 400 naming a bad range.</summary>
    public async Task<Results<Ok<IReadOnlyList<ProbeSeries>>, ProblemHttpResult, ValidationProblem>> GetAsync(string server, DateTimeOffset? from, DateTimeOffset? to, string? probe, CancellationToken cancellationToken)
    {
        if (topology.CurrentValue.Find(server) is null)
        {
            return TypedResults.Problem($"Server '{server}' is not in the configured topology.", statusCode: StatusCodes.Status404NotFound, title: "Server not found");
        }

        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddHours(-24);
        if (start > end || end - start > TimeSpan.FromDays(400))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["from must be before to, at most 400 days apart."] });
        }

        return TypedResults.Ok(await history.QueryAsync(server, start, end, probe, cancellationToken));
    }

    /// <summary>
    /// GET /api/history?hours=&amp;slots=: every server's probes as availability and latency strips (default the last 24
    /// hours in 24 slots; at most 30 days and 200 slots), what the console's health grid draws.
    /// </summary>
    public async Task<Results<Ok<IReadOnlyList<ProbeStrip>>, ValidationProblem>> StripsAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Number(request, "hours", 24, 720) is not { } hours)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["hours"] = ["hours must be between 1 and 720."] });
        }

        if (Number(request, "slots", 24, 200) is not { } slots)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["slots"] = ["slots must be between 1 and 200."] });
        }

        var now = time.GetUtcNow();
        request.HttpContext.Response.Headers[KeptHeader] = history.KeptWhere;
        return TypedResults.Ok(await history.StripsAsync(now.AddHours(-hours), now, slots, request.HttpContext.RequestAborted));
    }

    // The query's whole number between 1 and max (fallback when absent); null when it is anything else.
    static int? Number(HttpRequest request, string name, int fallback, int max) =>
        request.Query[name].FirstOrDefault() is not { } text ? fallback
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max ? value
        : null;

    static (bool Ok, DateTimeOffset? Value) Time(HttpRequest request, string name) =>
        request.Query[name].FirstOrDefault() is not { Length: > 0 } text ? (true, null)
        : DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value) ? (true, value) : (false, null);

    static ValidationProblem Invalid(string field) => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"{field} must be a date and time (ISO 8601)."] });
}

/// <summary>The history routes of the standalone host, in one place (the Functions app's functions call the same <see cref="HistoryHttp"/>).</summary>
public static class HistoryEndpoints
{
    /// <summary>GET /api/history (every server's strips) and GET /api/history/{server} (one server's series): reader.</summary>
    public static RouteGroupBuilder MapHistoryApi(this IEndpointRouteBuilder routes)
    {
        var readers = routes.MapGroup("/api/history").WithTags("Health").RequireOperator(OperatorRole.Reader);
        readers.MapGet("/", (HistoryHttp history, HttpRequest request) => history.StripsAsync(request));
        readers.MapGet("/{server}", (HistoryHttp history, HttpRequest request, string server) => history.GetAsync(request, server));
        return readers;
    }
}
