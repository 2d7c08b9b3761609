using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Imap;
using Remediation.Operators;
using Remediation.Runs;
using Remediation.Topology;

namespace Remediation.Recovery;

/// <summary>What a run would do on a server now, step by step, and how it would end (nothing was done).</summary>
/// <param name="Server">The server.</param>
/// <param name="Monitor">The monitor the run would answer.</param>
/// <param name="Outcome">How the run would end on the worst path (every verification still failing).</param>
/// <param name="Reason">Why, as the run would say it.</param>
/// <param name="Steps">Its steps in order; each disruptive step preceded by the safety gate's answer now.</param>
/// <param name="ComputedAt">When the gate was asked.</param>
public sealed record PlanPreview(string Server, string Monitor, RunOutcome Outcome, string Reason, IReadOnlyList<RunStep> Steps, DateTimeOffset ComputedAt);

/// <summary>
/// The plan preview's orchestration: the server's playbook as a run would take it (<see cref="RecoveryRequest.Preview"/>):
/// the same code path, the real safety gate (previewed: no throttle slot, no hold), approvals said not waited for.
/// </summary>
public sealed class PlanPreviewOrchestrator : TaskOrchestrator<RecoveryRequest, PlanPreview>
{
    /// <inheritdoc />
    public override async Task<PlanPreview> RunAsync(TaskOrchestrationContext context, RecoveryRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.Preview || !input.Settings.DryRun)
        {
            throw new ArgumentException("A plan preview is a dry run with Preview set.", nameof(input));
        }

        var recorder = new PreviewRecorder(context, input);
        var run = new RecoveryRun(recorder);
        var (outcome, reason) = await run.ExecuteAsync(() => ImapRecoveryOrchestrator.VerifyAndRecoverAsync(run));
        return new PlanPreview(input.Server, input.Monitor!, outcome, reason, [.. recorder.Steps], input.Alert.RaisedAt);
    }
}

/// <summary>
/// GET /api/plan/{server}?monitor= on both hosts: runs <see cref="PlanPreviewOrchestrator"/> on the Durable engine the
/// runs use, waits for it (at most <see cref="RecoverySettings.PreviewTimeout"/>) and removes its instance.
/// </summary>
public sealed class PlanPreviews(IOptionsMonitor<TopologyOptions> topology, IOptionsMonitor<RecoverySettings> recovery, TimeProvider time) : IDisposable
{
    // A preview reads the agent and the safety store: a reader holding the key down cannot flood either.
    readonly SemaphoreSlim inFlight = new(2, 2);

    /// <inheritdoc />
    public void Dispose() => inFlight.Dispose();

    /// <summary>The preview for <paramref name="server"/> and the monitor named in the query.</summary>
    public async Task<Results<Ok<PlanPreview>, ProblemHttpResult, ValidationProblem>> PreviewHttpAsync(DurableTaskClient durable, string server, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
        ArgumentNullException.ThrowIfNull(request);
        if (topology.CurrentValue.Find(server) is not { } target)
        {
            return TypedResults.Problem($"Server '{server}' is not in the configured topology.", statusCode: StatusCodes.Status404NotFound, title: "Server not found");
        }

        var name = request.Query["monitor"].FirstOrDefault();
        if (ImapHealthModel.FindMonitor(name) is not { } monitor)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["monitor"] = [$"monitor must name an IMAP monitor ({string.Join(", ", ImapHealthModel.Monitors.Select(m => m.Name))}); got '{name}'."],
            });
        }

        if (!await inFlight.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return TypedResults.Problem("Two plan previews are being computed already: try again in a few seconds.", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many previews");
        }

        PlanPreview? preview;
        try
        {
            preview = await PreviewAsync(durable, target, monitor, cancellationToken);
        }
        finally
        {
            inFlight.Release();
        }

        return preview is null
            ? TypedResults.Problem($"The plan preview did not finish within {recovery.CurrentValue.PreviewTimeout}.", statusCode: StatusCodes.Status504GatewayTimeout, title: "Preview timed out")
            : TypedResults.Ok(preview);
    }

    /// <summary>Computes the preview; null when it did not finish in time (its instance is terminated).</summary>
    public async Task<PlanPreview?> PreviewAsync(DurableTaskClient durable, ExchangeServerOptions server, MonitorDefinition monitor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(monitor);
        var now = time.GetUtcNow();
        var id = string.Create(CultureInfo.InvariantCulture, $"plan-preview-{server.Name.ToLowerInvariant()}-{Guid.NewGuid():N}");
        var alert = new Alert(id, server.Name, monitor.HealthSet, monitor.Name, "Preview", "Plan preview: what a run would do now.", now);
        var settings = recovery.CurrentValue with { DryRun = true };
        var input = new RecoveryRequest(id, server.Name, server.Role, monitor.HealthSet, monitor.Name, alert, settings, server.ProbeMailbox?.MailboxServer, Preview: true, Version: RecoveryVersions.CurrentNumber);
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(PlanPreviewOrchestrator), input, new StartOrchestrationOptions(id) { Version = RecoveryVersions.Current }, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(recovery.CurrentValue.PreviewTimeout);
        try
        {
            var done = await CompletedAsync(durable, id, timeout.Token);
            if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            {
                throw new InvalidOperationException($"The plan preview ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
            }

            return done.ReadOutputAs<PlanPreview>();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await durable.TerminateInstanceAsync(id, "The plan preview took too long.", CancellationToken.None);
            return null;
        }
        finally
        {
            try
            {
                await durable.PurgeInstanceAsync(id, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A terminated instance may not be purgeable yet; it holds no state anyone reads.
            }
        }
    }

    /// <summary>
    /// Waits for the preview's instance to end, looking every 10 ms at first and at most every 250 ms. Not the client's
    /// own WaitForInstanceCompletionAsync: on the Azure Storage provider it reads the instance every 2 seconds
    /// (AzureStorageOrchestrationService.WaitForOrchestrationAsync, DurableTask.AzureStorage 2.x), so a preview that took
    /// 0.3 s answered after 2 (measured: orchestration overhead benchmark, plan preview rows).
    /// </summary>
    async Task<OrchestrationMetadata> CompletedAsync(DurableTaskClient durable, string id, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (await durable.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken) is { IsCompleted: true })
            {
                return (await durable.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken))!;
            }

            await Task.Delay(pause, time, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(250, pause.TotalMilliseconds * 2));
        }
    }
}

/// <summary>The plan preview route of the standalone host (the Functions app's function calls the same <see cref="PlanPreviews"/>).</summary>
public static class PlanEndpoints
{
    /// <summary>GET /api/plan/{server}?monitor= (reader).</summary>
    public static RouteHandlerBuilder MapPlanApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/plan/{server}", (PlanPreviews plans, DurableTaskClient durable, HttpRequest request, string server, CancellationToken ct) =>
            plans.PreviewHttpAsync(durable, server, request, ct)).WithTags("Runs").RequireOperator(OperatorRole.Reader);
}
