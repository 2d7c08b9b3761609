using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Remediation;
using Remediation.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddRemediationEngine(builder.Configuration);
builder.Services.AddSingleton<OperatorAccess>();
builder.Services.AddRemediationTelemetry(builder.Configuration);

await builder.Build().RunAsync();
