using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Telemetry;

namespace Remediation.Functions;

/// <summary>
/// The Functions app's telemetry: the engine's meter and spans (one trace per run with the Durable SDK's) and its logs
/// (run history, probe availability results) exported to Application Insights when a connection string is set.
/// </summary>
public static class FunctionsTelemetry
{
    /// <summary>The setting App Service and the template provide.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Adds OpenTelemetry with the Functions worker's defaults and, when configured, the Azure Monitor exporter.</summary>
    public static IServiceCollection AddRemediationTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(RemediationTelemetry.Name))
            .WithTracing(t => t.AddSource(RemediationTelemetry.Name, "Microsoft.DurableTask"))
            .UseFunctionsWorkerDefaults();
        var connectionString = configuration[ConnectionStringSetting];
        if (!string.IsNullOrEmpty(connectionString))
        {
            telemetry.UseAzureMonitorExporter(o => KeepEveryRunEvent(o, connectionString));
        }

        return services;
    }

    /// <summary>
    /// Every run event reaches Application Insights: no rate limit, no sampling, and no log dropped with an unsampled
    /// trace. The exporter's defaults (read from Azure.Monitor.OpenTelemetry.Exporter 1.10.0's own options object:
    /// TracesPerSecond 5, which takes precedence over SamplingRatio, and EnableTraceBasedLogsSampler true) would drop
    /// the run history's log records of any trace past five a second, which a probe round's spans alone exceed.
    /// </summary>
    internal static void KeepEveryRunEvent(AzureMonitorExporterOptions options, string connectionString)
    {
        options.ConnectionString = connectionString;
        options.TracesPerSecond = null;
        options.SamplingRatio = 1.0F;
        options.EnableTraceBasedLogsSampler = false;
    }
}
