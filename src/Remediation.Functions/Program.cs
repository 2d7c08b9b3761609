using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Remediation;
using Remediation.Telemetry;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddRemediationEngine(builder.Configuration);
builder.Services.AddSingleton<Remediation.Functions.OperatorAccess>();

// The engine's meter and spans (one trace per run with the Durable SDK's), exported to Application Insights.
var telemetry = builder.Services.AddOpenTelemetry()
    .WithMetrics(m => m.AddMeter(RemediationTelemetry.Name))
    .WithTracing(t => t.AddSource(RemediationTelemetry.Name, "Microsoft.DurableTask"))
    .UseFunctionsWorkerDefaults();
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseAzureMonitorExporter();
}

await builder.Build().RunAsync();
