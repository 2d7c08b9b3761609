using Microsoft.Extensions.Options;
using Remediation.Monitoring;
using Remediation.Probes;

namespace Remediation.Host.Workers;

/// <summary>Runs a probe cycle every <see cref="ProbeOptions.Interval"/> (the Functions app's timer trigger does the same).</summary>
public sealed partial class ProbeScheduler(ProbeCycle cycle, IOptionsMonitor<ProbeOptions> options, TimeProvider time, ILogger<ProbeScheduler> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.CurrentValue.Interval, time);
        try
        {
            do
            {
                try
                {
                    var results = await cycle.RunAsync(stoppingToken);
                    LogCycle(logger, results.Count, results.Count(r => !r.Succeeded));
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // A failed cycle, a timeout's TaskCanceledException included: logged; the next tick runs (an
                    // exception leaving ExecuteAsync stops the whole host).
                    LogCycleFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(LogLevel.Debug, "Probe cycle: {Count} probes, {Failed} failed")]
    static partial void LogCycle(ILogger logger, int count, int failed);

    [LoggerMessage(LogLevel.Error, "Probe cycle failed")]
    static partial void LogCycleFailed(ILogger logger, Exception exception);
}
