using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Remediation.Runs;

namespace Remediation.Functions;

/// <summary>The run API, same routes and shapes as the standalone host's.</summary>
public sealed class RunsApi(IRunLedger ledger)
{
    /// <summary>GET /api/runs?server=&amp;top=.</summary>
    [Function("ListRuns")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs")] HttpRequest request, CancellationToken cancellationToken)
    {
        var top = 100;
        if (request.Query.TryGetValue("top", out var value) && (!int.TryParse(value, out top) || top is < 1 or > 1000))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["top"] = ["top must be between 1 and 1000."] });
        }

        return Results.Ok(await ledger.ListAsync(request.Query["server"].FirstOrDefault(), top, cancellationToken));
    }

    /// <summary>GET /api/runs/{id}.</summary>
    [Function("GetRun")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{id}")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        await ledger.GetAsync(id, cancellationToken) is { } run
            ? Results.Ok(run)
            : Results.Problem(new ProblemDetails { Title = "Run not found", Detail = $"No run '{id}'.", Status = StatusCodes.Status404NotFound });
}
