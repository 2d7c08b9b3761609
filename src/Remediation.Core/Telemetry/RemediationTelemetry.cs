using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Remediation.Telemetry;

/// <summary>The engine's metrics and traces. Hosts export them (console/OTLP locally, Application Insights in Azure).</summary>
public static class RemediationTelemetry
{
    /// <summary>Meter and ActivitySource name.</summary>
    public const string Name = "Remediation";

    /// <summary>Spans: one per run step (inside the Durable SDK's trace of the run), one per probe.</summary>
    public static ActivitySource Source { get; } = new(Name);

    static readonly Meter Meter = new(Name);

    /// <summary>Probe latency, tagged with probe, server and result.</summary>
    public static Histogram<double> ProbeLatency { get; } = Meter.CreateHistogram<double>("remediation.probe.duration", "ms", "IMAP probe latency");

    /// <summary>Probe failures, tagged with probe, server, phase and dependency area.</summary>
    public static Counter<long> ProbeFailures { get; } = Meter.CreateCounter<long>("remediation.probe.failures", description: "Failed or timed-out IMAP probes");

    /// <summary>Runs by outcome.</summary>
    public static Counter<long> Runs { get; } = Meter.CreateCounter<long>("remediation.runs", description: "Remediation runs by outcome");

    /// <summary>Run steps by name and outcome.</summary>
    public static Counter<long> Steps { get; } = Meter.CreateCounter<long>("remediation.steps", description: "Remediation steps by name and outcome");

    /// <summary>Alerts the pump handled, by disposition (started, coalesced, dead-lettered, abandoned).</summary>
    public static Counter<long> Alerts { get; } = Meter.CreateCounter<long>("remediation.alerts", description: "Alerts handled by the pump");

    /// <summary>Escalations by channel and result (delivered, failed).</summary>
    public static Counter<long> Escalations { get; } = Meter.CreateCounter<long>("remediation.escalations", description: "Escalations by channel and result");
}
