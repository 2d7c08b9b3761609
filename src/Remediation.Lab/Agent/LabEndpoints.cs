using Remediation.AgentApi;

namespace Remediation.Lab.Agent;

/// <summary>Fault injection on the lab agent: POST/GET/DELETE /lab/faults, PUT /lab/counters. Signed like every other route.</summary>
public static class LabEndpoints
{
    /// <summary>Maps the lab routes.</summary>
    public static RouteGroupBuilder MapLabFaults(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/lab").WithTags("Lab");
        group.MapGet("/faults", (LabFaults faults) => Results.Ok(faults.All));
        group.MapPost("/faults", (LabFaults faults, LabFault fault) =>
        {
            if (fault.Server is not null && AgentInput.CheckServer(fault.Server) is { } why)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["server"] = [$"server {why}"] });
            }

            faults.Add(fault);
            return Results.Ok(faults.All);
        });
        group.MapDelete("/faults", (LabFaults faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });
        group.MapPut("/counters", (LabOrganisation organisation, ImapCounters counters) =>
        {
            if (AgentInput.CheckServer(counters.Server) is { } why)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["server"] = [$"server {why}"] });
            }

            organisation.SetCounters(counters);
            return Results.Ok(counters);
        });
        return group;
    }
}
