using Microsoft.DurableTask.Client;

namespace Remediation.Runs;

/// <summary>The run API's reads, shared by both hosts: the ledger, plus what a running run waits for (from Durable).</summary>
public sealed class RunQueries(IRunLedger ledger)
{
    /// <summary>Runs (running first, newest first), each running one with the approval it waits for, if any.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListAsync(DurableTaskClient durable, string? server, int top, DateTimeOffset? startedBefore, CancellationToken cancellationToken)
    {
        var runs = await ledger.ListAsync(server, top, startedBefore, cancellationToken);
        return await Task.WhenAll(runs.Select(r => WithStatusAsync(durable, r, cancellationToken)));
    }

    /// <summary>
    /// GET /api/runs?server=&amp;top=&amp;before= as both hosts answer it: a page of runs (top 1-1000, default 100; before:
    /// only runs started before that time, the StartedAt of a page's last run being the next page's cursor), with an ETag,
    /// so a client polling with If-None-Match gets 304 and no body while nothing changed.
    /// </summary>
    public async Task<Microsoft.AspNetCore.Http.IResult> ListHttpAsync(DurableTaskClient durable, Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var count = 100;
        if (request.Query["top"].FirstOrDefault() is { } top && (!int.TryParse(top, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            errors["top"] = ["top must be between 1 and 1000."];
        }

        DateTimeOffset? before = null;
        if (request.Query["before"].FirstOrDefault() is { } cursor)
        {
            if (DateTimeOffset.TryParse(cursor, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            {
                before = at;
            }
            else
            {
                errors["before"] = ["before must be a date and time (ISO 8601), e.g. the StartedAt of the last run of the previous page."];
            }
        }

        if (errors.Count > 0)
        {
            return Microsoft.AspNetCore.Http.Results.ValidationProblem(errors);
        }

        var runs = await ListAsync(durable, request.Query["server"].FirstOrDefault(), count, before, cancellationToken);
        return new TaggedJson(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(runs, JsonDefaults.Options));
    }

    /// <summary>A JSON answer with a strong ETag of its bytes; 304 when the client already has them.</summary>
    sealed class TaggedJson(byte[] body) : Microsoft.AspNetCore.Http.IResult
    {
        public async Task ExecuteAsync(Microsoft.AspNetCore.Http.HttpContext httpContext)
        {
            var etag = $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body))[..32]}\"";
            httpContext.Response.Headers.ETag = etag;
            httpContext.Response.Headers.CacheControl = "no-cache";
            if (httpContext.Request.Headers.IfNoneMatch.Contains(etag))
            {
                httpContext.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status304NotModified;
                return;
            }

            httpContext.Response.ContentType = "application/json; charset=utf-8";
            await httpContext.Response.Body.WriteAsync(body);
        }
    }

    /// <summary>GET /api/runs/{id} as both hosts answer it: the run, or a 404 problem naming it.</summary>
    public async Task<Microsoft.AspNetCore.Http.IResult> GetHttpAsync(DurableTaskClient durable, string runId, CancellationToken cancellationToken) =>
        await GetAsync(durable, runId, cancellationToken) is { } run
            ? Microsoft.AspNetCore.Http.Results.Ok(run)
            : Microsoft.AspNetCore.Http.Results.Problem($"No run '{runId}'.", statusCode: Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound, title: "Run not found");

    /// <summary>One run, or null.</summary>
    public async Task<RunRecord?> GetAsync(DurableTaskClient durable, string runId, CancellationToken cancellationToken) =>
        await ledger.GetAsync(runId, cancellationToken) is { } run ? await WithStatusAsync(durable, run, cancellationToken) : null;

    static async Task<RunRecord> WithStatusAsync(DurableTaskClient durable, RunRecord run, CancellationToken cancellationToken)
    {
        if (run.Outcome != RunOutcome.Running)
        {
            return run;
        }

        var instance = await durable.GetInstanceAsync(run.InstanceId, getInputsAndOutputs: true, cancellationToken);
        var status = instance?.ReadCustomStatusAs<RunStatus>();
        return status?.RunId == run.RunId ? run with { AwaitingApproval = status.AwaitingApproval, ApprovalStep = status.ApprovalStep, ApprovalsNeeded = status.ApprovalsNeeded, ApprovedBy = status.ApprovedBy, CurrentStep = status.CurrentStep, WaitingSince = status.WaitingSince, WaitingUntil = status.WaitingUntil } : run;
    }
}
