using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
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
/// Drains the alert queue: each alert starts its server's run or is recorded on the run it belongs to (through
/// <see cref="ServerRuns"/>, the one way work starts on a server); completes what it handled, abandons on transient
/// failure, dead-letters what can never be handled.
/// </summary>
public sealed partial class AlertPump(
    IAlertQueue queue,
    DurableTaskClient durable,
    IRunLedger ledger,
    IOptionsMonitor<TopologyOptions> topology,
    IOptionsMonitor<AlertPumpOptions> options,
    IServiceProvider services,
    UnresolvedSettings unresolved,
    ILogger<AlertPump> logger)
{
    /// <summary>
    /// Receives one batch and handles it. While the agent's own secrets are unresolved Key Vault references, nothing is
    /// received: no run could act (it can neither sign for the agent nor trust it), so the alerts wait in the queue
    /// until the secrets resolve (App Service resolves references at start; the documented refresh restarts the app).
    /// </summary>
    public async Task<PumpResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (unresolved.AgentSecretsMissing is { Count: > 0 } missing)
        {
            LogAwaitingSecrets(logger, string.Join(", ", missing));
            return new(0, 0, 0, 0, 0);
        }

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
        var runs = ActivatorUtilities.CreateInstance<ServerRuns>(services, durable);
        foreach (var message in valid.OrderBy(m => m.ReceivedAt))
        {
            var alert = message.Alert!;
            try
            {
                var (runId, isNew, isGoing) = going.TryGetValue(alert.Server, out var run)
                    ? new ServerRunTicket(run, false, true)
                    : await runs.StartOrJoinAsync(alert, message.ReceivedAt, null, cancellationToken);
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

    [LoggerMessage(LogLevel.Warning, "Alert {MessageId} dead-lettered: {Reason}: {Description}")]
    static partial void LogDeadLettered(ILogger logger, string messageId, string reason, string description);

    [LoggerMessage(LogLevel.Warning, "Alerts for {Server} abandoned for redelivery")]
    static partial void LogAbandoned(ILogger logger, Exception exception, string server);

    [LoggerMessage(LogLevel.Warning, "No alert taken: the agent's secrets are unresolved Key Vault references ({Settings}); alerts wait in the queue")]
    static partial void LogAwaitingSecrets(ILogger logger, string settings);
}
