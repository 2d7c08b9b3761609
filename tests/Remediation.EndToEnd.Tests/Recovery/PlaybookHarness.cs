using System.Net.Http.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.AgentApi;
using Remediation.Alerts;
using Remediation.Exchange;
using Remediation.Host;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>Starts runs through the real pump on a real host and waits for them on the embedded Durable engine.</summary>
internal static class PlaybookHarness
{
    public static T Get<T>(this RemediationHost host) where T : notnull => host.App.Services.GetRequiredService<T>();

    public static Alert Alert(string server, string healthSet, string? monitor, string? id = null) =>
        new(id ?? Guid.NewGuid().ToString("N"), server, healthSet, monitor, "Test", "from a test", TimeProvider.System.GetUtcNow());

    /// <summary>Publishes the alert, pumps it into a run, and returns the run's ID and instance once it is going.</summary>
    public static async Task<string> StartAsync(this RemediationHost host, Alert alert)
    {
        await host.Get<IAlertPublisher>().PublishAsync(alert, default);
        var pumped = await host.Get<AlertPump>().RunOnceAsync(default);
        Assert.Equal(1, pumped.Started);
        var instance = await host.Get<DurableTaskClient>().GetInstanceAsync(RecoveryInstance.IdFor(alert.Server), getInputsAndOutputs: true);
        return instance!.ReadInputAs<RecoveryRequest>()!.RunId;
    }

    public static async Task<RunRecord> CompletedAsync(this RemediationHost host, string server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var instance = await host.Get<DurableTaskClient>().WaitForInstanceCompletionAsync(RecoveryInstance.IdFor(server), getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        var run = (await host.Get<IRunLedger>().GetAsync(instance.ReadInputAs<RecoveryRequest>()!.RunId, default))!;
        Assert.Equal(run.Outcome, instance.ReadOutputAs<RunOutcome>());
        return run;
    }

    public static async Task<RunRecord> RunAsync(this RemediationHost host, Alert alert)
    {
        await host.StartAsync(alert);
        return await host.CompletedAsync(alert.Server);
    }

    /// <summary>
    /// Runs <paramref name="server"/>'s real customer touch point probe (through the lab's Dovecot proxy) and records it
    /// as the probe cycle would (these hosts run with probes off): the blast-radius rule lets a CAS restart only when
    /// another CAS of its site is known healthy.
    /// </summary>
    public static async Task ProbedHealthyAsync(this RemediationHost host, string server)
    {
        var result = await host.Get<ProbeRunner>().RunAsync(server, ImapHealthModel.CtpProbe, default);
        Assert.True(result.Succeeded, $"{server}'s CTP probe: {result.Summary}");
        host.Get<MonitorBoard>().Record(result);
    }

    /// <summary>Asserts the run's outcome; a failure shows its reason and every step with its answer.</summary>
    public static void AssertOutcome(this RunRecord run, RunOutcome expected) =>
        Assert.True(run.Outcome == expected, $"Expected {expected}, was {run.Outcome}: {run.Reason}\n{string.Join("\n", run.Steps.OrderBy(s => s.Sequence).Select(s => $"  {s.Name}: {s.Outcome} ({s.Answer})"))}");

    /// <summary>Step names with outcomes, "Name: Outcome", in order: the whole sequence a test asserts.</summary>
    public static string[] Timeline(this RunRecord run) => [.. run.Steps.OrderBy(s => s.Sequence).Select(s => $"{s.Name}: {s.Outcome}")];

    /// <summary>
    /// The agent's answers to this run's requests (idempotency keys start with the run ID), one per request: a change's
    /// "Started" line (102, written as it reaches Exchange) and the "Finished after ..." line of an operation that
    /// outlived its request are not more actions (<see cref="AuditLinesAsync"/> has every line).
    /// </summary>
    public static async Task<IReadOnlyList<AuditEntry>> ActionsAsync(this RemediationHost host, string runId) =>
        [.. (await host.AuditLinesAsync(runId)).Where(e => e.Status != 102 && !e.Outcome.StartsWith("Finished after", StringComparison.Ordinal))];

    /// <summary>Every agent audit line of this run's requests, in order.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> AuditLinesAsync(this RemediationHost host, string runId) =>
        [.. (await host.Get<AgentConnection>().Client().GetAuditAsync(10_000, default)).Where(e => e.IdempotencyKey?.StartsWith(runId + ":", StringComparison.Ordinal) == true)];

    /// <summary>Waits until the going run of <paramref name="server"/> has recorded a step named <paramref name="step"/>.</summary>
    public static async Task WaitForStepAsync(this RemediationHost host, string server, string step)
    {
        for (var i = 0; i < 600; i++)
        {
            var runs = await host.Get<IRunLedger>().ListAsync(new RunFilter(server), 1, default);
            if (runs.Count > 0 && runs[0].Steps.Any(s => s.Name == step))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The run on {server} never reached '{step}'.");
    }

    /// <summary>Waits until the run's custom status says it waits for an approval (of <paramref name="action"/> when given); returns it.</summary>
    public static async Task<RunStatus> WaitForApprovalRequestAsync(this RemediationHost host, string server, string? action = null)
    {
        for (var i = 0; i < 300; i++)
        {
            var instance = await host.Get<DurableTaskClient>().GetInstanceAsync(RecoveryInstance.IdFor(server), getInputsAndOutputs: true);
            if (instance?.ReadCustomStatusAs<RunStatus>() is { AwaitingApproval: { } waiting } status && (action is null || waiting == action))
            {
                return status;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The run never asked for an approval.");
    }

    /// <summary>
    /// Approves (or rejects) what the run waits for, naming its step and action as the dashboard does, as the lab
    /// identity (the run records <see cref="LabApprover"/>).
    /// </summary>
    public static Task<HttpResponseMessage> DecideAsync(this RemediationHost host, RunStatus waiting, string? comment = null, bool approve = true) =>
        host.PostAsync($"api/runs/{waiting.RunId}/{(approve ? "approve" : "reject")}", new { comment, action = waiting.AwaitingApproval, step = waiting.ApprovalStep });

    /// <summary>How a run records a decision by the lab identity.</summary>
    public static string LabApprover => Remediation.Operators.Operator.Lab.Display;

    public static async Task<HttpResponseMessage> PostAsync(this RemediationHost host, string path, object? body = null)
    {
        using var http = await LabHttp.ClientAsync(host.Address);
        return await http.PostAsJsonAsync(path, body);
    }
}
