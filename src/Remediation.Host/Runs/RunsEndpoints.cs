using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.Host.Runs;

/// <summary>The run API: what the automation did, step by step.</summary>
public static class RunsEndpoints
{
    /// <summary>GET /api/runs and GET /api/runs/{id}.</summary>
    public static RouteGroupBuilder MapRuns(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/runs").WithTags("Runs");
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPost("/{id}/approve", (RunCommands commands, DurableTaskClient durable, string id, DecisionBody? body, CancellationToken ct) =>
            ToResultAsync(commands.DecideAsync(durable, id, new ApprovalDecision(true, By(body), body?.Comment), ct)));
        group.MapPost("/{id}/reject", (RunCommands commands, DurableTaskClient durable, string id, DecisionBody? body, CancellationToken ct) =>
            ToResultAsync(commands.DecideAsync(durable, id, new ApprovalDecision(false, By(body), body?.Comment), ct)));
        group.MapPost("/{id}/cancel", (RunCommands commands, DurableTaskClient durable, string id, DecisionBody? body, CancellationToken ct) =>
            ToResultAsync(commands.CancelAsync(durable, id, By(body), ct)));
        return group;
    }

    /// <summary>Who decides, and why (optional body of approve, reject and cancel).</summary>
    public sealed record DecisionBody(string? By, string? Comment);

    static string By(DecisionBody? body) => body?.By is { Length: > 0 and <= 128 } by ? by : "an operator";

    static async Task<IResult> ToResultAsync(Task<RunCommands.CommandResult> command)
    {
        var result = await command;
        return result switch
        {
            { Found: false } => TypedResults.Problem(result.Error, statusCode: StatusCodes.Status404NotFound, title: "Run not found"),
            { Error: { } error } => TypedResults.Problem(error, statusCode: StatusCodes.Status409Conflict, title: "Not possible now"),
            _ => TypedResults.Accepted((string?)null),
        };
    }

    static async Task<Results<Ok<IReadOnlyList<RunRecord>>, ValidationProblem>> ListAsync(IRunLedger ledger, string? server, int? top, CancellationToken cancellationToken)
    {
        if (top is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["top"] = ["top must be between 1 and 1000."] });
        }

        return TypedResults.Ok(await ledger.ListAsync(server, top ?? 100, cancellationToken));
    }

    static async Task<Results<Ok<RunRecord>, ProblemHttpResult>> GetAsync(IRunLedger ledger, string id, CancellationToken cancellationToken) =>
        await ledger.GetAsync(id, cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.Problem($"No run '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Run not found");
}
