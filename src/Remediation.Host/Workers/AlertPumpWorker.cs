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
            try
            {
                var result = await pump.RunOnceAsync(stoppingToken);
                if (result.Received > 0)
                {
                    LogPumped(logger, result.Received, result.Started, result.Coalesced, result.DeadLettered, result.Abandoned);
                    continue;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPumpFailed(logger, ex);
            }

            await Task.Delay(options.CurrentValue.Interval, time, stoppingToken);
        }
    }

    [LoggerMessage(LogLevel.Information, "Pump: {Received} alerts, {Started} runs started, {Coalesced} coalesced, {DeadLettered} dead-lettered, {Abandoned} abandoned")]
    static partial void LogPumped(ILogger logger, int received, int started, int coalesced, int deadLettered, int abandoned);

    [LoggerMessage(LogLevel.Error, "Pump pass failed")]
    static partial void LogPumpFailed(ILogger logger, Exception exception);
}
