using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Remediation.Topology;

namespace Remediation.History;

/// <summary>GET /api/history/{server}?from=&amp;to=&amp;probe= as both hosts answer it (default: the last 24 hours).</summary>
public sealed class HistoryHttp(ProbeHistory history, IOptionsMonitor<TopologyOptions> topology, TimeProvider time)
{
    /// <summary>The series for <paramref name="request"/>'s query (<c>from</c>, <c>to</c> ISO 8601, <c>probe</c>): both hosts parse it here.</summary>
    public IResult Get(HttpRequest request, string server)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Time(request, "from") is not { Ok: true } from ? Invalid("from")
            : Time(request, "to") is not { Ok: true } to ? Invalid("to")
            : Get(server, from.Value, to.Value, request.Query["probe"].FirstOrDefault());
    }

    /// <summary>The server's probe series in the range; 404 for an unknown server, 400 naming a bad range.</summary>
    public IResult Get(string server, DateTimeOffset? from, DateTimeOffset? to, string? probe)
    {
        if (topology.CurrentValue.Find(server) is null)
        {
            return Results.Problem($"Server '{server}' is not in the configured topology.", statusCode: StatusCodes.Status404NotFound, title: "Server not found");
        }

        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddHours(-24);
        if (start > end || end - start > TimeSpan.FromDays(400))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["from must be before to, at most 400 days apart."] });
        }

        return Results.Ok(history.Query(server, start, end, probe));
    }

    static (bool Ok, DateTimeOffset? Value) Time(HttpRequest request, string name) =>
        request.Query[name].FirstOrDefault() is not { Length: > 0 } text ? (true, null)
        : DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value) ? (true, value) : (false, null);

    static IResult Invalid(string field) => Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"{field} must be a date and time (ISO 8601)."] });
}
