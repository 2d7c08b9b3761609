using Microsoft.Extensions.Options;
using Remediation.AgentApi;

namespace Remediation.Agent.Operations;

/// <summary>The agent's routes: one per allow-listed Exchange operation.</summary>
public static class ExchangeEndpoints
{
    /// <summary>Maps /api/v1/servers/{server}/...</summary>
    public static RouteGroupBuilder MapExchange(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/servers/{server}").WithTags("Exchange");

        group.MapGet("/health", (HttpContext http, OperationGate gate, string server) =>
            gate.RunAsync(http, AgentOperation.GetServerHealth, server, Args(("Identity", server)),
                async (x, ct) => Results.Ok(await x.GetServerHealthAsync(server, ct))));

        group.MapPost("/probes", (HttpContext http, OperationGate gate, string server, InvokeProbeRequest body) =>
            Invalid(("healthSet", AgentInput.CheckIdentifier(body.HealthSet)), ("probe", AgentInput.CheckIdentifier(body.Probe)))
            ?? gate.RunAsync(http, AgentOperation.InvokeMonitoringProbe, server, Args(("Identity", $"{body.HealthSet}\\{body.Probe}"), ("Server", server)),
                async (x, ct) => Results.Ok(await x.InvokeMonitoringProbeAsync(server, body.HealthSet, body.Probe, ct))));

        group.MapPost("/services/{service}/restart", (HttpContext http, OperationGate gate, IOptionsMonitor<AgentOptions> options, string server, string service) =>
            Invalid(("service", AgentInput.CheckIdentifier(service)))
            ?? gate.RunAsync(http, AgentOperation.RestartService, server, Args(("ComputerName", server), ("Name", service)),
                async (x, ct) => Results.Ok(await x.RestartServiceAsync(server, service, ct)),
                options.CurrentValue.AllowedServices.Contains(service, StringComparer.OrdinalIgnoreCase) ? null : $"Service '{service}' is not in the allow-list."));

        group.MapPost("/restart", (HttpContext http, OperationGate gate, IOptionsMonitor<AgentOptions> options, string server) =>
            gate.RunAsync(http, AgentOperation.RestartServer, server, Args(("ComputerName", server)),
                async (x, ct) => Results.Ok(await x.RestartServerAsync(server, ct)),
                options.CurrentValue.AllowServerRestart ? null : "Server restarts are disabled on this agent."));

        group.MapPut("/database-copy-activation", (HttpContext http, OperationGate gate, IOptionsMonitor<AgentOptions> options, string server, DatabaseCopyActivationRequest body) =>
            gate.RunAsync(http, AgentOperation.SetDatabaseCopyActivation, server, Args(("Identity", server), ("DatabaseCopyActivationDisabledAndMoveNow", body.DisabledAndMoveNow ? "$true" : "$false")),
                async (x, ct) =>
                {
                    await x.SetDatabaseCopyActivationAsync(server, body.DisabledAndMoveNow, ct);
                    return Results.Ok(await x.GetDatabaseCopyStatusAsync(server, ct));
                },
                body.DisabledAndMoveNow && !options.CurrentValue.AllowDrain ? "Draining (database fail-over) is disabled on this agent." : null));

        group.MapPost("/database-copies/activate-preferred", (HttpContext http, OperationGate gate, IOptionsMonitor<AgentOptions> options, string server) =>
            gate.RunAsync(http, AgentOperation.ActivatePreferredOnServer, server, Args(("ActivatePreferredOnServer", server)),
                async (x, ct) =>
                {
                    await x.ActivatePreferredOnServerAsync(server, ct);
                    return Results.Ok(await x.GetDatabaseCopyStatusAsync(server, ct));
                },
                options.CurrentValue.AllowDrain ? null : "Database moves (fail-over and fail-back) are disabled on this agent."));

        group.MapGet("/database-copies", (HttpContext http, OperationGate gate, string server) =>
            gate.RunAsync(http, AgentOperation.GetDatabaseCopyStatus, server, Args(("Server", server)),
                async (x, ct) => Results.Ok(await x.GetDatabaseCopyStatusAsync(server, ct))));

        group.MapGet("/component-states", (HttpContext http, OperationGate gate, string server) =>
            gate.RunAsync(http, AgentOperation.GetServerComponentState, server, Args(("Identity", server)),
                async (x, ct) => Results.Ok(await x.GetServerComponentStatesAsync(server, ct))));

        group.MapGet("/imap-settings", (HttpContext http, OperationGate gate, string server) =>
            gate.RunAsync(http, AgentOperation.GetImapSettings, server, Args(("Server", server)),
                async (x, ct) => Results.Ok(await x.GetImapSettingsAsync(server, ct))));

        group.MapPut("/imap-settings", (HttpContext http, OperationGate gate, string server, SetImapSettingsRequest body) =>
            gate.RunAsync(http, AgentOperation.SetImapSettings, server, Args(("Server", server), ("ProtocolLogEnabled", body.ProtocolLogEnabled ? "$true" : "$false")),
                async (x, ct) =>
                {
                    await x.SetImapSettingsAsync(server, body.ProtocolLogEnabled, ct);
                    return Results.Ok(await x.GetImapSettingsAsync(server, ct));
                }));

        group.MapGet("/state", (HttpContext http, OperationGate gate, string server) =>
            gate.RunAsync(http, AgentOperation.GetServerState, server, Args(("ComputerName", server)),
                async (x, ct) => Results.Ok(await x.GetServerStateAsync(server, ct))));

        group.MapGet("/imap-counters", (HttpContext http, OperationGate gate, string server) =>
            gate.RunAsync(http, AgentOperation.GetImapCounters, server, Args(("Server", server)),
                async (x, ct) => Results.Ok(await x.GetImapCountersAsync(server, ct))));

        return group;
    }

    static Dictionary<string, string> Args(params (string Name, string Value)[] arguments) =>
        arguments.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);

    static Task<IResult>? Invalid(params (string Field, string? Problem)[] checks)
    {
        var errors = checks.Where(c => c.Problem is not null).ToDictionary(c => c.Field, c => new[] { $"{c.Field} {c.Problem}" });
        return errors.Count == 0 ? null : Task.FromResult(Results.ValidationProblem(errors));
    }
}
