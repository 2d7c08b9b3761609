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
            telemetry.UseAzureMonitorExporter(o => o.ConnectionString = connectionString);
        }

        return services;
    }
}
