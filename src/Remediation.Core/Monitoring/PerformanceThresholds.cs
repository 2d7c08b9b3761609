using Remediation.AgentApi;
using Remediation.Imap;

namespace Remediation.Monitoring;

/// <summary>A performance monitor's verdict on one reading of the IMAP4 counters.</summary>
/// <param name="Monitor">The monitor.</param>
/// <param name="Exceeded">True when the counter is over its limit (the monitor's Unhealthy condition).</param>
/// <param name="Evidence">The reading against its limit, in words.</param>
public sealed record CounterVerdict(string Monitor, bool Exceeded, string Evidence);

/// <summary>
/// The two performance monitors' thresholds (Monitors:AverageCommandProcessingTimeLimit, RequestsQueuedLimit): the
/// probe cycle and a run's verification judge a reading the same way.
/// </summary>
public static class PerformanceThresholds
{
    /// <summary>What <paramref name="monitor"/> says of <paramref name="counters"/>.</summary>
    /// <exception cref="ArgumentException">The monitor is not a performance monitor.</exception>
    public static CounterVerdict Judge(MonitorDefinition monitor, ImapCounters counters, MonitorOptions limits)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(limits);
        if (monitor == ImapHealthModel.CommandTimeMonitor)
        {
            var limit = limits.AverageCommandProcessingTimeLimit.TotalMilliseconds;
            return new(monitor.Name, counters.AverageCommandProcessingTimeMs > limit,
                $"Average Command Processing Time on {counters.Server} is {counters.AverageCommandProcessingTimeMs:0} ms (limit {limit:0} ms)");
        }

        if (monitor == ImapHealthModel.RequestsQueuedMonitor && counters.RequestsQueued is null)
        {
            // Exchange defines no IMAP counter for this monitor (Managed Availability has it for ActiveSync only): the
            // alert that named it, Exchange's own, is the evidence; nothing here can say it went away.
            return new(monitor.Name, true, $"No IMAP counter measures {monitor.Name} on {counters.Server} (Exchange defines none): the alert itself is taken as the evidence");
        }

        if (monitor == ImapHealthModel.RequestsQueuedMonitor)
        {
            return new(monitor.Name, counters.RequestsQueued > limits.RequestsQueuedLimit,
                $"Requests Queued on {counters.Server} is {counters.RequestsQueued} (limit {limits.RequestsQueuedLimit})");
        }

        throw new ArgumentException($"{monitor.Name} is not a performance monitor.", nameof(monitor));
    }
}
