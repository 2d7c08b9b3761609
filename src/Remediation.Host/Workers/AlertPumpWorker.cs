using Microsoft.Extensions.Options;
using Remediation.Recovery;

namespace Remediation.Host.Workers;

/// <summary>Drains the alert queue continuously (the Functions app runs the same pump on a timer).</summary>
public sealed partial class AlertPumpWorker(AlertPump pump, IOptionsMonitor<AlertPumpOptions> options, TimeProvider time, ILogger<AlertPumpWorker> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (options.CurrentValue.Enabled && !stoppingToken.IsCancellationRequested)
        {
            var pumped = false;
            try
            {
                var result = await pump.RunOnceAsync(stoppingToken);
                if (result.Received > 0)
                {
                    LogPumped(logger, result.Received, result.Started, result.Coalesced, result.DeadLettered, result.Abandoned);
                    pumped = true;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the host is stopping
            }
            catch (Exception ex)
            {
                // A failed pass, a timeout's TaskCanceledException included: logged, and the pump goes on after its
                // interval (an exception leaving ExecuteAsync stops the whole host).
                LogPumpFailed(logger, ex);
            }

            if (!pumped && !await IdleAsync(options.CurrentValue.Interval, stoppingToken))
            {
                return;
            }
        }
    }

    // False when the host is stopping.
    async Task<bool> IdleAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(interval, time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Information, "Pump: {Received} alerts, {Started} runs started, {Coalesced} coalesced, {DeadLettered} dead-lettered, {Abandoned} abandoned")]
    static partial void LogPumped(ILogger logger, int received, int started, int coalesced, int deadLettered, int abandoned);

    [LoggerMessage(LogLevel.Error, "Pump pass failed")]
    static partial void LogPumpFailed(ILogger logger, Exception exception);
}
