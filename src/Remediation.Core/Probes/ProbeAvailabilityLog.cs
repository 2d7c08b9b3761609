using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Remediation.Probes;

/// <summary>
/// Every scheduled probe result as an Application Insights availability result (the Availability blade: one test per
/// server and probe, success rate and duration over time), written as a log record: the Azure Monitor OpenTelemetry
/// exporter (1.10.0 and later) turns a record carrying the <c>microsoft.availability.*</c> attributes into
/// <c>AvailabilityData</c>; other log sinks see an ordinary structured line in category <see cref="Category"/>.
/// </summary>
public sealed class ProbeAvailabilityLog(ILoggerFactory loggers, IOptionsMonitor<ProbeOptions> options)
{
    /// <summary>The logger category (the standalone host turns it down: it keeps its own probe history).</summary>
    public const string Category = "Remediation.Availability";

    /// <summary>The properties each result carries besides the availability fields (the workbook reads them).</summary>
    public static readonly string[] Properties = ["Server", "Probe", "HealthSet", "Result", "FailedPhase", "DependencyArea"];

    static readonly EventId Event = new(7101, "ProbeAvailability");

    readonly ILogger logger = loggers.CreateLogger(Category);

    /// <summary>The availability test's name for a result: one test per server and probe.</summary>
    public static string TestName(ProbeResult result) => $"{result.Server} {result.Probe}";

    /// <summary>Writes <paramref name="result"/> as one availability result.</summary>
    public void Write(ProbeResult result)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var location = options.CurrentValue.RunLocation ?? Environment.GetEnvironmentVariable("REGION_NAME") ?? Environment.MachineName;
        List<KeyValuePair<string, object?>> state =
        [
            new("microsoft.availability.id", Guid.NewGuid().ToString("N")),
            new("microsoft.availability.name", TestName(result)),
            new("microsoft.availability.duration", TimeSpan.FromMilliseconds(result.LatencyMs).ToString("c", CultureInfo.InvariantCulture)),
            new("microsoft.availability.success", result.Succeeded ? "True" : "False"),
            new("microsoft.availability.runLocation", location),
            new("microsoft.availability.message", result.Summary),
            new("microsoft.availability.testTimestamp", result.StartedAt.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)),
            new(Properties[0], result.Server),
            new(Properties[1], result.Probe),
            new(Properties[2], result.HealthSet),
            new(Properties[3], result.Result.ToString()),
            new(Properties[4], result.FailedPhase?.ToString()),
            new(Properties[5], result.DependencyArea?.ToString()),
        ];
        logger.Log(LogLevel.Information, Event, state, null, static (s, _) => (string)s[5].Value!);
    }
}
