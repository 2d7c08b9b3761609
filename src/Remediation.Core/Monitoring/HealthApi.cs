using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.Monitoring;

/// <summary>
/// Server health (Get-ServerHealth, Get-HealthReport) and on-demand probes (Invoke-MonitoringProbe) as HTTP answers:
/// the standalone host maps them with <see cref="HealthEndpoints.MapHealthApi"/>, the Functions app calls the same handlers. 404 for
/// an unknown server, 400 naming the field for a bad health set or probe, problem details throughout.
/// </summary>
public sealed class HealthApi(MonitorBoard board, ProbeRunner runner, IOptionsMonitor<TopologyOptions> topology)
{
    /// <summary>
    /// GET /api/healthz's answer: the host is up; Degraded, naming each setting (never its value), while Key Vault
    /// references are unresolved. Still 200: App Service's health check must not recycle an instance for a missing
    /// secret (a restart would not bring it), and an answer at all is the news.
    /// </summary>
    public static Ok<LivenessAnswer> Liveness(UnresolvedSettings unresolved)
    {
        ArgumentNullException.ThrowIfNull(unresolved);
        return TypedResults.Ok(unresolved.Keys.Count == 0
            ? new LivenessAnswer("Healthy")
            : new LivenessAnswer("Degraded", unresolved.Keys, unresolved.AgentSecretsMissing.Count > 0
                ? "Key Vault references unresolved: no run starts until the agent's secrets resolve; servers whose probe secrets are missing are not probed."
                : "Key Vault references unresolved: servers whose probe secrets are missing are not probed."));
    }

    /// <summary>Rows of <paramref name="server"/> (all servers when null), filtered by a health-set pattern (IMAP*), as every instance sees them.</summary>
    public async Task<Results<Operators.TaggedJson, ProblemHttpResult, ValidationProblem>> QueryAsync(string? server, string? healthSet, CancellationToken cancellationToken)
    {
        if (server is not null && topology.CurrentValue.Find(server) is null)
        {
            return NotFound(server);
        }

        if (ServerHealth.PatternError(healthSet) is { } error)
        {
            return Invalid("healthSet", error);
        }

        await board.RefreshChangesAsync(cancellationToken);

        // Tagged: a console polling every 2 s between probe rounds (a minute apart in Azure) gets 304 and no body.
        return new Operators.TaggedJson(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ServerHealth.Query(board, server, healthSet), JsonDefaults.Options));
    }

    /// <summary>Get-HealthReport rows of <paramref name="server"/> (all servers when null), as every instance sees them.</summary>
    public async Task<Results<Ok<IReadOnlyList<HealthReportRow>>, ProblemHttpResult>> ReportAsync(string? server, CancellationToken cancellationToken)
    {
        if (server is not null && topology.CurrentValue.Find(server) is null)
        {
            return NotFound(server);
        }

        await board.RefreshChangesAsync(cancellationToken);
        return TypedResults.Ok(ServerHealth.Report(board, server));
    }

    /// <summary>Runs <paramref name="probe"/> of <paramref name="healthSet"/> on <paramref name="server"/> now and returns its result.</summary>
    public async Task<Results<Ok<ProbeResult>, ProblemHttpResult, ValidationProblem>> InvokeProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken)
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

        return runner.Find(server, monitor.Probe!, out var why) is { } found
            ? TypedResults.Ok(await ProbeRunner.RunAsync(found.Server, found.Probe, cancellationToken))
            : Invalid("probe", why!);
    }

    static ValidationProblem Invalid(string field, string message) => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    static ProblemHttpResult NotFound(string server) =>
        TypedResults.Problem($"Server '{server}' is not in the configured topology.", statusCode: StatusCodes.Status404NotFound, title: "Server not found");
}

/// <summary>GET /api/healthz's body.</summary>
/// <param name="Status">Healthy, or Degraded while settings wait for their Key Vault secrets.</param>
/// <param name="Unresolved">The settings (names only) whose Key Vault reference did not resolve.</param>
/// <param name="Detail">What that means for the product.</param>
public sealed record LivenessAnswer(string Status, IReadOnlyList<string>? Unresolved = null, string? Detail = null);
