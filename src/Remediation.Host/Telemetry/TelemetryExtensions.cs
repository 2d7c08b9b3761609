using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Remediation.Telemetry;

namespace Remediation.Host.Telemetry;

/// <summary>OpenTelemetry for the standalone host: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, the console when asked.</summary>
public static class TelemetryExtensions
{
    /// <summary>Exports the engine's meter and spans (and the Durable SDK's, which make one trace per run).</summary>
    public static IServiceCollection AddRemediationTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var console = configuration.GetValue<bool>("Telemetry:Console");
        services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RemediationTelemetry.Name);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }

                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(RemediationTelemetry.Name, "Microsoft.DurableTask").AddAspNetCoreInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }

                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            });
        return services;
    }
}
