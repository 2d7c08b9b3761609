using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Remediation.Operators;

namespace Remediation.Runs;

/// <summary>
/// The run API as both hosts answer it: the standalone host maps it with <see cref="RunsEndpoints.MapRunsApi"/>, the
/// Functions app's functions call the same handlers. Every answer typed; problems as problem details.
/// </summary>
public sealed class RunsHttp(RunQueries queries, RunCommands commands)
{
    /// <summary>
    /// GET /api/runs?server=&amp;outcome=&amp;monitor=&amp;since=&amp;before=&amp;top=: a page of the runs the filter
    /// matches, over every run the ledger holds (top 1-1000, default 100; before: only runs started before that time,
    /// the StartedAt of a page's last run being the next page's cursor), with an ETag, so a client polling with
    /// If-None-Match gets 304 and no body while nothing changed.
    /// </summary>
    public async Task<Results<TaggedJson, ValidationProblem>> ListAsync(DurableTaskClient durable, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var count = 100;
        if (request.Query["top"].FirstOrDefault() is { } top && (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            errors["top"] = ["top must be between 1 and 1000."];
        }

        var filter = RunFilter.FromQuery(request.Query, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var runs = await queries.ListAsync(durable, filter, count, cancellationToken);
        return new TaggedJson(JsonSerializer.SerializeToUtf8Bytes(runs, JsonDefaults.Options));
    }

    /// <summary>
    /// GET /api/runs-summary?server=&amp;outcome=&amp;monitor=&amp;since=&amp;before=&amp;zone=: counts by day and outcome,
    /// MTTR (first failed probe to recovery) and the server with most runs, over every run the filter matches; days in
    /// the IANA zone named (default UTC), as the page that asks shows its times.
    /// </summary>
    public async Task<Results<TaggedJson, ValidationProblem>> SummaryAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var filter = RunFilter.FromQuery(request.Query, errors);
        var zone = TimeZoneInfo.Utc;
        if (request.Query["zone"].FirstOrDefault() is { Length: > 0 } named && !TimeZoneInfo.TryFindSystemTimeZoneById(named, out zone))
        {
            errors["zone"] = [$"zone must be a time zone ID (IANA, e.g. Europe/London, or UTC); '{OutsideText.Clean(named, 64)}' is not one this host knows."];
        }

        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : new TaggedJson(JsonSerializer.SerializeToUtf8Bytes(await queries.SummaryAsync(filter, zone!, cancellationToken), JsonDefaults.Options));
    }

    /// <summary>GET /api/runs/{id}: the run, or a 404 problem naming it.</summary>
    public async Task<Results<Ok<RunRecord>, ProblemHttpResult>> GetAsync(DurableTaskClient durable, string runId, CancellationToken cancellationToken) =>
        await queries.GetAsync(durable, runId, cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.Problem($"No run '{runId}'.", statusCode: StatusCodes.Status404NotFound, title: "Run not found");

    /// <summary>
    /// POST /api/runs/{id}/approve or /reject as the gated <paramref name="by"/>: the body (which step and action,
    /// a comment) is read only now, after the gate, and only up to <see cref="OperatorBody.MaxBytes"/>.
    /// </summary>
    public async Task<Results<Accepted, ProblemHttpResult>> DecideAsync(DurableTaskClient durable, HttpRequest request, string runId, bool approved, Operator by, CancellationToken cancellationToken)
    {
        var (body, unreadable) = await OperatorBody.ReadAsync<RunCommands.DecisionBody>(request, cancellationToken);
        return unreadable is not null ? unreadable : (await commands.DecideAsync(durable, runId, approved, by, body, cancellationToken)).ToHttpResult();
    }

    /// <summary>POST /api/runs/{id}/cancel as the gated <paramref name="by"/>.</summary>
    public async Task<Results<Accepted, ProblemHttpResult>> CancelAsync(DurableTaskClient durable, string runId, Operator by, CancellationToken cancellationToken) =>
        (await commands.CancelAsync(durable, runId, by, cancellationToken)).ToHttpResult();
}

/// <summary>The run routes of the standalone host, in one place: one group per role.</summary>
public static class RunsEndpoints
{
    /// <summary>GET /api/runs, GET /api/runs/{id}, GET /api/runs-summary (reader); approve, reject (approver); cancel (operator).</summary>
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var readers = routes.MapGroup("/api/runs").WithTags("Runs").RequireOperator(OperatorRole.Reader);
        readers.MapGet("/", (RunsHttp runs, DurableTaskClient durable, HttpRequest request, CancellationToken ct) => runs.ListAsync(durable, request, ct));
        readers.MapGet("/{id}", (RunsHttp runs, DurableTaskClient durable, string id, CancellationToken ct) => runs.GetAsync(durable, id, ct));
        routes.MapGet("/api/runs-summary", (RunsHttp runs, HttpRequest request, CancellationToken ct) => runs.SummaryAsync(request, ct)).WithTags("Runs").RequireOperator(OperatorRole.Reader);

        // No body parameter: a body bound by the framework would be read before the gate runs.
        var approvers = routes.MapGroup("/api/runs").WithTags("Runs").RequireOperator(OperatorRole.Approver);
        approvers.MapPost("/{id}/approve", (RunsHttp runs, DurableTaskClient durable, HttpRequest request, string id, CancellationToken ct) =>
            runs.DecideAsync(durable, request, id, approved: true, OperatorGate.Current(request.HttpContext), ct));
        approvers.MapPost("/{id}/reject", (RunsHttp runs, DurableTaskClient durable, HttpRequest request, string id, CancellationToken ct) =>
            runs.DecideAsync(durable, request, id, approved: false, OperatorGate.Current(request.HttpContext), ct));

        var operators = routes.MapGroup("/api/runs").WithTags("Runs").RequireOperator(OperatorRole.Operator);
        operators.MapPost("/{id}/cancel", (RunsHttp runs, DurableTaskClient durable, HttpContext context, string id, CancellationToken ct) =>
            runs.CancelAsync(durable, id, OperatorGate.Current(context), ct));
        return routes;
    }
}
