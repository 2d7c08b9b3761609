using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.Host.Health;

/// <summary>Server health (Get-ServerHealth) and on-demand probes (Invoke-MonitoringProbe).</summary>
public static class HealthEndpoints
{
    /// <summary>GET /api/health[/{server}]?healthSet=IMAP*, POST /api/probes/{server}/{healthSet}/{probe}.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        var health = routes.MapGroup("/api/health").WithTags("Health");
        health.MapGet("/", (MonitorBoard board, string? healthSet) => Query(board, null, healthSet));
        health.MapGet("/{server}", (MonitorBoard board, IOptionsMonitor<TopologyOptions> topology, string server, string? healthSet) =>
            topology.CurrentValue.Find(server) is null ? NotFound(server) : Query(board, server, healthSet));
        routes.MapPost("/api/probes/{server}/{healthSet}/{probe}", InvokeProbeAsync).WithTags("Health");
        return routes;
    }

    static IResult Query(MonitorBoard board, string? server, string? healthSet)
    {
        try
        {
            return TypedResults.Ok(ServerHealth.Query(board, server, healthSet));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["healthSet"] = [ex.Message.Split(" (Parameter")[0]] });
        }
    }

    static async Task<Results<Ok<ProbeResult>, ValidationProblem, ProblemHttpResult>> InvokeProbeAsync(
        ProbeRunner runner, IOptionsMonitor<TopologyOptions> topology, string server, string healthSet, string probe, CancellationToken cancellationToken)
    {
        if (topology.CurrentValue.Find(server) is null)
        {
            return NotFound(server);
        }

        var monitor = ImapHealthModel.Monitors.FirstOrDefault(m => string.Equals(m.Probe, probe, StringComparison.OrdinalIgnoreCase));
        if (monitor is null)
        {
            return Invalid("probe", $"'{probe}' is not an IMAP probe: {string.Join(", ", ImapHealthModel.Monitors.Where(m => m.Probe is not null).Select(m => m.Probe))}.");
        }

        if (!string.Equals(monitor.HealthSet, healthSet, StringComparison.OrdinalIgnoreCase))
        {
            return Invalid("healthSet", $"{monitor.Probe} belongs to health set {monitor.HealthSet}, not '{healthSet}'.");
        }

        try
        {
            return TypedResults.Ok(await runner.RunAsync(server, monitor.Probe!, cancellationToken));
        }
        catch (ArgumentException ex)
        {
            return Invalid("probe", ex.Message.Split(" (Parameter")[0]);
        }
    }

    static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    static ProblemHttpResult NotFound(string server) =>
        TypedResults.Problem($"Server '{server}' is not in the configured topology.", statusCode: StatusCodes.Status404NotFound, title: "Server not found");
}
