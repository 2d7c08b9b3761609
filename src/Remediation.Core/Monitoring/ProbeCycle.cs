using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Remediation.AgentApi;
using Remediation.Alerts;
using Remediation.Exchange;
using Remediation.Imap;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.Monitoring;

/// <summary>Which part of a probe round to run (the Functions app schedules each kind on its own timer).</summary>
[Flags]
public enum ProbeKinds
{
    /// <summary>ImapCTPProbe, ImapProxyTestProbe, ImapDeepTestProbe: they log in.</summary>
    Login = 1,

    /// <summary>ImapSelfTestProbe: greeting and CAPABILITY only, cheap enough to run often.</summary>
    SelfTest = 2,

    /// <summary>The IMAP4 performance counters, read through the agent.</summary>
    Counters = 4,

    /// <summary>Everything (the standalone host's one schedule).</summary>
    All = Login | SelfTest | Counters,
}

/// <summary>
/// One round of probing: every applicable probe on every server, at bounded concurrency, each within its own
/// timeout; results feed the monitors, and a monitor turning Unhealthy publishes an alert.
/// Both hosts call this on their schedule.
/// </summary>
public sealed partial class ProbeCycle(
    ProbeRunner runner,
    MonitorBoard board,
    History.IProbeHistory history,
    ProbeAvailabilityLog availability,
    IAlertPublisher publisher,
    AgentConnection agent,
    IOptionsMonitor<TopologyOptions> topology,
    IOptionsMonitor<ProbeOptions> options,
    IOptionsMonitor<MonitorOptions> monitors,
    ILogger<ProbeCycle> logger)
{
    /// <summary>Runs every probe once; returns their results.</summary>
    public Task<IReadOnlyList<ProbeResult>> RunAsync(CancellationToken cancellationToken) => RunAsync(ProbeKinds.All, cancellationToken);

    /// <summary>Runs the probes of <paramref name="kinds"/> once; returns their results.</summary>
    public async Task<IReadOnlyList<ProbeResult>> RunAsync(ProbeKinds kinds, CancellationToken cancellationToken)
    {
        bool Wanted(IImapProbe probe) => kinds.HasFlag(probe.LogsIn ? ProbeKinds.Login : ProbeKinds.SelfTest);

        // The last cycle may have run on another instance: count on from what it wrote.
        await board.RefreshAsync(cancellationToken);
        // A server whose probe secrets did not resolve is not probed: logging in with a reference's text would fail,
        // count as a fault of Exchange, and start a run (its monitors stay as they were; /api/healthz names the setting).
        var work = topology.CurrentValue.Servers.Where(s => !s.AwaitsSecrets).SelectMany(s => runner.ProbesFor(s).Where(Wanted).Select(p => (Server: s, Probe: p))).ToList();
        var results = new ConcurrentBag<ProbeResult>();
        try
        {
            await Parallel.ForEachAsync(
                work,
                new ParallelOptions { MaxDegreeOfParallelism = options.CurrentValue.MaxConcurrency, CancellationToken = cancellationToken },
                async (item, ct) =>
                {
                    var result = await ProbeRunner.RunAsync(item.Server, item.Probe, ct);
                    results.Add(result);
                    availability.Write(result);
                    if (!result.Succeeded)
                    {
                        LogProbeFailed(logger, result.Summary);
                    }

                    await PublishIfUnhealthyAsync(board.Record(result), result.Summary, ct);
                });
        }
        finally
        {
            // The round's monitors and history are written together once it ends (also when it was stopped part way):
            // one Table transaction per server for each, instead of a read and a write per result.
            var round = results.ToArray();
            await board.SaveAsync(round.Select(r => (r.Server, ImapHealthModel.MonitorOf(r.Probe).Name)), CancellationToken.None);
            await history.RecordAsync(round, CancellationToken.None);
        }
        if (kinds.HasFlag(ProbeKinds.Counters) && agent.IsConfigured)
        {
            await Parallel.ForEachAsync(
                topology.CurrentValue.Servers,
                new ParallelOptions { MaxDegreeOfParallelism = options.CurrentValue.MaxConcurrency, CancellationToken = cancellationToken },
                ReadCountersAsync);
        }

        return [.. results];
    }

    /// <summary>The two performance monitors, fed from the MSExchangeImap4 counters the agent reads.</summary>
    async ValueTask ReadCountersAsync(ExchangeServerOptions server, CancellationToken cancellationToken)
    {
        ImapCounters counters;
        try
        {
            counters = await agent.Client().GetImapCountersAsync(server.Name, cancellationToken);
        }
        catch (Exception ex) when (ex is AgentException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Not a sample: an unreachable agent says nothing about IMAP's speed.
            LogCountersUnavailable(logger, server.Name, ex.Message);
            return;
        }

        // A monitor with no counter behind it (RequestsQueuedGt500Monitor on real Exchange) gets no sample at all.
        foreach (var monitor in counters.RequestsQueued is null ? [ImapHealthModel.CommandTimeMonitor] : new[] { ImapHealthModel.CommandTimeMonitor, ImapHealthModel.RequestsQueuedMonitor })
        {
            var verdict = PerformanceThresholds.Judge(monitor, counters, monitors.CurrentValue);
            await PublishIfUnhealthyAsync(board.Record(server.Name, monitor, !verdict.Exceeded), verdict.Evidence, cancellationToken);
            await board.SaveAsync(server.Name, monitor.Name, cancellationToken);
        }
    }

    async Task PublishIfUnhealthyAsync(MonitorTransition? transition, string summary, CancellationToken cancellationToken)
    {
        if (transition is null)
        {
            return;
        }

        var after = transition.After;
        LogTransition(logger, after.Server, after.Name, transition.Before.AlertValue, after.AlertValue);
        if (transition.RaisesAlert)
        {
            var alert = new Alert(
                AlertId: string.Create(CultureInfo.InvariantCulture, $"probe:{after.Server}:{after.Name}:{after.LastAlertAt ?? after.LastTransitionTime:yyyyMMddTHHmmssfffZ}"),
                Server: after.Server,
                HealthSet: after.HealthSet,
                Monitor: after.Name,
                Source: "Probe",
                Description: transition.IsReminder ? $"Still Unhealthy since {after.LastTransitionTime:O} (alert {after.Reminders + 1}): {summary}" : summary,
                RaisedAt: after.LastTransitionTime,
                FailingSince: after.DownSince);
            await publisher.PublishAsync(alert, cancellationToken);
            LogAlertPublished(logger, alert.AlertId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Summary}")]
    static partial void LogProbeFailed(ILogger logger, string summary);

    [LoggerMessage(LogLevel.Warning, "Monitor {Monitor} on {Server}: {Before} -> {After}")]
    static partial void LogTransition(ILogger logger, string server, string monitor, HealthState before, HealthState after);

    [LoggerMessage(LogLevel.Warning, "IMAP counters of {Server} unavailable: {Error}")]
    static partial void LogCountersUnavailable(ILogger logger, string server, string error);

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} published")]
    static partial void LogAlertPublished(ILogger logger, string alertId);
}
