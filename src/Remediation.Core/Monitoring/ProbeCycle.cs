using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.Monitoring;

/// <summary>
/// One round of probing: every applicable probe on every server, at bounded concurrency, each within its own
/// timeout; results feed the monitors, and a monitor turning Unhealthy publishes an alert.
/// Both hosts call this on their schedule.
/// </summary>
public sealed partial class ProbeCycle(
    ProbeRunner runner,
    MonitorBoard board,
    IAlertPublisher publisher,
    IOptionsMonitor<TopologyOptions> topology,
    IOptionsMonitor<ProbeOptions> options,
    ILogger<ProbeCycle> logger)
{
    /// <summary>Runs every probe once; returns their results.</summary>
    public async Task<IReadOnlyList<ProbeResult>> RunAsync(CancellationToken cancellationToken)
    {
        var work = topology.CurrentValue.Servers.SelectMany(s => runner.ProbesFor(s).Select(p => (Server: s, Probe: p))).ToList();
        var results = new ConcurrentBag<ProbeResult>();
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = options.CurrentValue.MaxConcurrency, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var result = await ProbeRunner.RunAsync(item.Server, item.Probe, ct);
                results.Add(result);
                await RecordAsync(result, ct);
            });
        return [.. results];
    }

    async Task RecordAsync(ProbeResult result, CancellationToken cancellationToken)
    {
        if (!result.Succeeded)
        {
            LogProbeFailed(logger, result.Summary);
        }

        if (board.Record(result) is not { } transition)
        {
            return;
        }

        var after = transition.After;
        LogTransition(logger, after.Server, after.Name, transition.Before.AlertValue, after.AlertValue);
        if (transition.BecameUnhealthy)
        {
            var alert = new Alert(
                AlertId: string.Create(CultureInfo.InvariantCulture, $"probe:{after.Server}:{after.Name}:{after.LastTransitionTime:yyyyMMddTHHmmssfffZ}"),
                Server: after.Server,
                HealthSet: after.HealthSet,
                Monitor: after.Name,
                Source: "Probe",
                Description: result.Summary,
                RaisedAt: after.LastTransitionTime);
            await publisher.PublishAsync(alert, cancellationToken);
            LogAlertPublished(logger, alert.AlertId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Summary}")]
    static partial void LogProbeFailed(ILogger logger, string summary);

    [LoggerMessage(LogLevel.Warning, "Monitor {Monitor} on {Server}: {Before} -> {After}")]
    static partial void LogTransition(ILogger logger, string server, string monitor, HealthState before, HealthState after);

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} published")]
    static partial void LogAlertPublished(ILogger logger, string alertId);
}
