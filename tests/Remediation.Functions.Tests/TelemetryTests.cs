using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Remediation.Functions.Tests;

/// <summary>The Functions app's exporter, as the worker builds it: run history is never sampled away.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public void The_exporter_keeps_every_trace_and_every_log_where_its_defaults_would_rate_limit_them()
    {
        // The exporter's own defaults, read from the package (not assumed): rate-limited to 5 traces a second, and
        // logs of unsampled traces dropped. If a new version changes them, this says so.
        var defaults = new AzureMonitorExporterOptions();
        Assert.Equal((5d, true), (defaults.TracesPerSecond, defaults.EnableTraceBasedLogsSampler));

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [FunctionsTelemetry.ConnectionStringSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddRemediationTelemetry(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName);

        Assert.Null(options.TracesPerSecond);
        Assert.Equal(1.0F, options.SamplingRatio);
        Assert.False(options.EnableTraceBasedLogsSampler);
        Assert.StartsWith("InstrumentationKey=00000000", options.ConnectionString, StringComparison.Ordinal);
    }
}
