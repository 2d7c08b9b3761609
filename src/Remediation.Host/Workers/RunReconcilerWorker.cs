using Microsoft.DurableTask.Client;
using Remediation.Recovery;

namespace Remediation.Host.Workers;

/// <summary>Closes runs whose orchestration died, once a minute (the Functions app runs the same reconciler on a timer).</summary>
public sealed partial class RunReconcilerWorker(IServiceProvider services, DurableTaskClient durable, TimeProvider time, ILogger<RunReconcilerWorker> logger) : BackgroundService
{
    /// <summary>Time between passes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reconciler = ActivatorUtilities.CreateInstance<RunReconciler>(services, durable);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
                if (await reconciler.RunOnceAsync(stoppingToken) is { Closed: > 0 } result)
                {
                    LogClosed(logger, result.Closed, result.Looked);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the host is stopping
            }
            catch (Exception ex)
            {
                // Anything else, a timeout's TaskCanceledException included, is a failed pass: the host goes on (an
                // exception leaving ExecuteAsync stops the whole host).
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reconciler: closed {Closed} of {Looked} runs whose orchestration had died")]
    static partial void LogClosed(ILogger logger, int closed, int looked);

    [LoggerMessage(LogLevel.Error, "Reconciler pass failed")]
    static partial void LogFailed(ILogger logger, Exception exception);
}
