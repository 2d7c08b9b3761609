using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Remediation.Functions;

/// <summary>
/// The worker's services: the engine, the operator gate and telemetry. One place, so the tests build exactly what
/// Program.cs builds (in Development, where the host validates every registration at start, and in Production).
/// </summary>
public static class Worker
{
    /// <summary>Registers everything the functions need on <paramref name="builder"/>.</summary>
    public static FunctionsApplicationBuilder Configure(FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddRemediationEngine(builder.Configuration);
        builder.Services.AddSingleton<OperatorAccess>();
        builder.Services.AddRemediationTelemetry(builder.Configuration);
        return builder;
    }
}
