using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Recovery;

namespace Remediation.Functions;

/// <summary>
/// The alert pump on a timer (the Service Bus trigger extension is not available to us): receives a batch with
/// peek-lock and starts or joins each server's run through the Durable client binding.
/// </summary>
public sealed class AlertPumpTimer(IServiceProvider services)
{
    /// <summary>NCRONTAB from Remediation__Pump__Schedule (default: every 10 seconds).</summary>
    [Function(nameof(AlertPumpTimer))]
    public Task<PumpResult> RunAsync(
        [TimerTrigger("%Remediation:Pump:Schedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient durable,
        CancellationToken cancellationToken) =>
        ActivatorUtilities.CreateInstance<AlertPump>(services, durable).RunOnceAsync(cancellationToken);
}
