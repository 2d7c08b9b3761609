using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Runs;
using Remediation.Telemetry;
using Remediation.Topology;

namespace Remediation.Recovery;

/// <summary>What one pump pass did.</summary>
public sealed record PumpResult(int Received, int Started, int Coalesced, int DeadLettered, int Abandoned);

/// <summary>
/// Drains the alert queue: per server, starts the server's recovery orchestration, or records the alert on the run
/// already going (or on the run that ended after the alert was raised: it is that run's incident); completes what it
/// handled, abandons on transient failure, dead-letters what can never be handled.
/// Safe on several instances at once: the instance ID is per server and the backend refuses a second start
/// while one is Pending or Running.
/// </summary>
public sealed partial class AlertPump(
    IAlertQueue queue,
    DurableTaskClient durable,
    IRunLedger ledger,
    IOptionsMonitor<TopologyOptions> topology,
    IOptionsMonitor<RecoveryOptions> recovery,
    IOptionsMonitor<AlertPumpOptions> options,
    TimeProvider time,
    ILogger<AlertPump> logger)
{
    /// <summary>Receives one batch and handles it.</summary>
    public async Task<PumpResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var batch = await queue.ReceiveAsync(settings.BatchSize, settings.MaxWait, cancellationToken);
        int started = 0, coalesced = 0, deadLettered = 0, abandoned = 0;
        var valid = new List<QueuedAlert>();
        foreach (var message in batch)
        {
            var why = message.Alert is null ? ("MalformedAlert", message.Error ?? "Not an alert.")
                : topology.CurrentValue.Find(message.Alert.Server) is null ? ("UnknownServer", $"Server '{message.Alert.Server}' is not in the configured topology.")
                : default((string, string)?);
            if (why is var (reason, description))
            {
                await queue.DeadLetterAsync(message, reason, description, cancellationToken);
                LogDeadLettered(logger, message.MessageId, reason, description);
                deadLettered++;
            }
            else
            {
                valid.Add(message);
            }
        }

        // Each alert is decided on its own, in the order the product received them; a run found going serves the rest
        // of its server's alerts in this pass without asking Durable again.
        var going = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var message in valid.OrderBy(m => m.ReceivedAt))
        {
            var alert = message.Alert!;
            try
            {
                var (runId, isNew, isGoing) = going.TryGetValue(alert.Server, out var run) ? (run, false, true) : await StartOrJoinAsync(alert, message.ReceivedAt, cancellationToken);
                if (!isNew)
                {
                    await ledger.RecordAlertAsync(runId, alert, cancellationToken);
                }

                await queue.CompleteAsync(message, cancellationToken);
                started += isNew ? 1 : 0;
                coalesced += isNew ? 0 : 1;
                if (isGoing)
                {
                    going[alert.Server] = runId;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogAbandoned(logger, ex, alert.Server);
                await queue.AbandonAsync(message, CancellationToken.None);
                abandoned++;
            }
        }

        RecordMetrics(started, coalesced, deadLettered, abandoned);
        return new PumpResult(batch.Count, started, coalesced, deadLettered, abandoned);
    }

    /// <summary>The run the alert belongs to: a new one, the one going (IsGoing), or the one that ended after it arrived.</summary>
    async Task<(string RunId, bool IsNew, bool IsGoing)> StartOrJoinAsync(Alert alert, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var instanceId = RecoveryInstance.IdFor(alert.Server);
        var last = await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (RunningRunId(last) is { } running)
        {
            return (running, false, true);
        }

        if (last is { IsCompleted: true } && receivedAt <= last.LastUpdatedAt && last.ReadInputAs<RecoveryRequest>()?.RunId is { } ended)
        {
            // Received before the server's last run ended: the same incident, already handled (a storm's tail, a
            // retrying sender, a queue that was behind). Recorded on that run; a new failure raises a new alert.
            // Decided on when we received it: a sender's own timestamp can be anything.
            LogLate(logger, alert.AlertId, receivedAt, ended, last.LastUpdatedAt);
            return (ended, false, false);
        }

        var target = topology.CurrentValue.Find(alert.Server)!;
        var server = target.Name;
        var runId = string.Create(CultureInfo.InvariantCulture, $"{server.ToLowerInvariant()}-{time.GetUtcNow():yyyyMMdd'T'HHmmssfff'Z'}");
        var request = new RecoveryRequest(runId, server, target.Role, alert.HealthSet, alert.Monitor, alert, recovery.CurrentValue.ToSettings(), target.ProbeMailbox?.MailboxServer);
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(
                nameof(ImapRecoveryOrchestrator),
                request,
                new StartOrchestrationOptions(instanceId).WithDedupeStatuses(OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Backends say "already exists" in different ways (a typed exception, a gRPC status); what counts is
            // that a run for this server is going, started by another pump between our check and our start.
            if (await RunningRunIdAsync(instanceId, cancellationToken) is not { } other)
            {
                throw;
            }

            return (other, false, true);
        }

        // Some backends drop a duplicate start silently: the input of the run that is going says whose it is.
        var current = await RunningRunIdAsync(instanceId, cancellationToken);
        if (current == runId || current is null)
        {
            LogStarted(logger, runId, server, alert.AlertId);
            return (runId, true, true);
        }

        return (current, false, true);
    }

    async Task<string?> RunningRunIdAsync(string instanceId, CancellationToken cancellationToken) =>
        RunningRunId(await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken));

    static string? RunningRunId(OrchestrationMetadata? instance) =>
        instance is { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended }
            ? instance.ReadInputAs<RecoveryRequest>()?.RunId
            : null;

    static void RecordMetrics(int started, int coalesced, int deadLettered, int abandoned)
    {
        foreach (var (disposition, count) in new[] { ("started", started), ("coalesced", coalesced), ("dead-lettered", deadLettered), ("abandoned", abandoned) })
        {
            if (count > 0)
            {
                RemediationTelemetry.Alerts.Add(count, new KeyValuePair<string, object?>("disposition", disposition));
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Run {RunId} started for {Server} by alert {AlertId}")]
    static partial void LogStarted(ILogger logger, string runId, string server, string alertId);

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} received at {ReceivedAt:O}, before run {RunId} ended at {EndedAt:O}: recorded on that run, no new run")]
    static partial void LogLate(ILogger logger, string alertId, DateTimeOffset receivedAt, string runId, DateTimeOffset endedAt);

    [LoggerMessage(LogLevel.Warning, "Alert {MessageId} dead-lettered: {Reason}: {Description}")]
    static partial void LogDeadLettered(ILogger logger, string messageId, string reason, string description);

    [LoggerMessage(LogLevel.Warning, "Alerts for {Server} abandoned for redelivery")]
    static partial void LogAbandoned(ILogger logger, Exception exception, string server);
}
