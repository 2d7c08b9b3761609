using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.Monitoring;

/// <summary>
/// Server health (Get-ServerHealth) and on-demand probes (Invoke-MonitoringProbe) as HTTP answers, shared by both
/// hosts: 404 for an unknown server, 400 naming the field for a bad health set or probe.
/// </summary>
public sealed class HealthApi(MonitorBoard board, ProbeRunner runner, IOptionsMonitor<TopologyOptions> topology)
{
    /// <summary>Rows of <paramref name="server"/> (all servers when null), filtered by a health-set pattern (IMAP*), as every instance sees them.</summary>
    public async Task<IResult> QueryAsync(string? server, string? healthSet, CancellationToken cancellationToken)
    {
        if (server is not null && topology.CurrentValue.Find(server) is null)
        {
            return NotFound(server);
        }

        await board.RefreshAsync(cancellationToken);
        try
        {
            return Results.Ok(ServerHealth.Query(board, server, healthSet));
        }
        catch (ArgumentException ex)
        {
            return Invalid("healthSet", ex.Message.Split(" (Parameter")[0]);
        }
    }

    /// <summary>Get-HealthReport rows of <paramref name="server"/> (all servers when null), as every instance sees them.</summary>
    public async Task<IResult> ReportAsync(string? server, CancellationToken cancellationToken)
    {
        if (server is not null && topology.CurrentValue.Find(server) is null)
        {
            return NotFound(server);
        }

        await board.RefreshAsync(cancellationToken);
        return Results.Ok(ServerHealth.Report(board, server));
    }

    /// <summary>Runs <paramref name="probe"/> of <paramref name="healthSet"/> on <paramref name="server"/> now and returns its result.</summary>
    public async Task<IResult> InvokeProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken)
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
            return Results.Ok(await runner.RunAsync(server, monitor.Probe!, cancellationToken));
        }
        catch (ArgumentException ex)
        {
            return Invalid("probe", ex.Message.Split(" (Parameter")[0]);
        }
    }

    static IResult Invalid(string field, string message) => Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    static IResult NotFound(string server) =>
        Results.Problem($"Server '{server}' is not in the configured topology.", statusCode: StatusCodes.Status404NotFound, title: "Server not found");
}
