using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Recovery;

namespace Remediation.Functions;

/// <summary>"Runs always end": closes runs whose orchestration failed, was terminated or vanished (every 2 minutes).</summary>
public sealed class RunReconcilerTimer(IServiceProvider services)
{
    /// <summary>Every 2 minutes.</summary>
    [Function(nameof(RunReconcilerTimer))]
    public Task<ReconcileResult> RunAsync(
        [TimerTrigger("0 */2 * * * *")] TimerInfo timer,
        [DurableClient] DurableTaskClient durable,
        CancellationToken cancellationToken) =>
        ActivatorUtilities.CreateInstance<RunReconciler>(services, durable).RunOnceAsync(cancellationToken);
}
