using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Topology;

namespace Remediation.Recovery;

/// <summary>How an alert met the server's runs: a run it started, the run going, or the run that ended after it arrived.</summary>
/// <param name="RunId">The run the alert belongs to.</param>
/// <param name="IsNew">The alert started it.</param>
/// <param name="IsGoing">It is still going (a later alert for the server joins it too).</param>
public sealed record ServerRunTicket(string RunId, bool IsNew, bool IsGoing);

/// <summary>
/// One run per server, whatever starts work on it: the alert pump and a playbook that needs another server
/// repaired (3.2 on a CAS needing 3.1 on its mailbox server) both go through here, so the server's orchestration
/// instance ID (<see cref="RecoveryInstance"/>) admits one run at a time. Safe on several instances at once: the
/// backend refuses a second start while one is Pending or Running.
/// </summary>
public sealed partial class ServerRuns(
    DurableTaskClient durable,
    IOptionsMonitor<TopologyOptions> topology,
    IOptionsMonitor<RecoverySettings> recovery,
    TimeProvider time,
    ILogger<ServerRuns> logger)
{
    /// <summary>
    /// Starts the server's run for <paramref name="alert"/>, or finds the run it belongs to. "Late" (received before the
    /// server's last run ended) is decided on <paramref name="receivedAt"/>, when the product received the alert, never
    /// on the sender's own timestamp.
    /// </summary>
    public async Task<ServerRunTicket> StartOrJoinAsync(Alert alert, DateTimeOffset receivedAt, string? parentRunId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var instanceId = RecoveryInstance.IdFor(alert.Server);
        var last = await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (RunningRunId(last) is { } running)
        {
            return new(running, false, true);
        }

        if (last is { IsCompleted: true } && receivedAt <= last.LastUpdatedAt && last.ReadInputAs<RecoveryRequest>()?.RunId is { } ended)
        {
            // Received before the server's last run ended: the same incident, already handled (a storm's tail, a
            // retrying sender, a queue that was behind). Recorded on that run; a new failure raises a new alert.
            LogLate(logger, alert.AlertId, receivedAt, ended, last.LastUpdatedAt);
            return new(ended, false, false);
        }

        var target = topology.CurrentValue.Find(alert.Server) ?? throw new ArgumentException($"Server '{alert.Server}' is not in the configured topology.", nameof(alert));
        var server = target.Name;
        var runId = string.Create(CultureInfo.InvariantCulture, $"{server.ToLowerInvariant()}-{time.GetUtcNow():yyyyMMdd'T'HHmmssfff'Z'}");
        var request = new RecoveryRequest(runId, server, target.Role, alert.HealthSet, alert.Monitor, alert, recovery.CurrentValue, target.ProbeMailbox?.MailboxServer, parentRunId, Version: RecoveryVersions.CurrentNumber);
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(
                nameof(ImapRecoveryOrchestrator),
                request,
                new StartOrchestrationOptions(instanceId) { Version = RecoveryVersions.Current }.WithDedupeStatuses(OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Backends say "already exists" in different ways (a typed exception, a gRPC status); what counts is
            // that a run for this server is going, started by someone else between our check and our start.
            if (await RunningRunIdAsync(instanceId, cancellationToken) is not { } other)
            {
                throw;
            }

            return new(other, false, true);
        }

        // Some backends drop a duplicate start silently: the input of the run that is going says whose it is.
        var current = await RunningRunIdAsync(instanceId, cancellationToken);
        if (current == runId || current is null)
        {
            LogStarted(logger, runId, server, alert.AlertId);
            return new(runId, true, true);
        }

        return new(current, false, true);
    }

    async Task<string?> RunningRunIdAsync(string instanceId, CancellationToken cancellationToken) =>
        RunningRunId(await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken));

    static string? RunningRunId(OrchestrationMetadata? instance) =>
        instance is { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended }
            ? instance.ReadInputAs<RecoveryRequest>()?.RunId
            : null;

    [LoggerMessage(LogLevel.Information, "Run {RunId} started for {Server} by alert {AlertId}")]
    static partial void LogStarted(ILogger logger, string runId, string server, string alertId);

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} received at {ReceivedAt:O}, before run {RunId} ended at {EndedAt:O}: recorded on that run, no new run")]
    static partial void LogLate(ILogger logger, string alertId, DateTimeOffset receivedAt, string runId, DateTimeOffset endedAt);
}
