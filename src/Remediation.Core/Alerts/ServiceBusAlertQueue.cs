using Azure.Messaging.ServiceBus;

namespace Remediation.Alerts;

/// <summary>The alerts queue on Service Bus, received with peek-lock (no trigger extension is available to us).</summary>
public sealed class ServiceBusAlertQueue(ServiceBusReceiver receiver) : IAlertQueue
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<QueuedAlert>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var messages = await receiver.ReceiveMessagesAsync(maxMessages, maxWait, cancellationToken);
        return [.. messages.Select(m =>
        {
            var (alert, error) = AlertJson.Deserialize(m.Body);
            return new QueuedAlert(m.MessageId, alert, error, m.DeliveryCount, m);
        })];
    }

    /// <inheritdoc />
    public Task CompleteAsync(QueuedAlert message, CancellationToken cancellationToken) =>
        receiver.CompleteMessageAsync((ServiceBusReceivedMessage)message.Handle, cancellationToken);

    /// <inheritdoc />
    public Task AbandonAsync(QueuedAlert message, CancellationToken cancellationToken) =>
        receiver.AbandonMessageAsync((ServiceBusReceivedMessage)message.Handle, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task DeadLetterAsync(QueuedAlert message, string reason, string description, CancellationToken cancellationToken) =>
        receiver.DeadLetterMessageAsync((ServiceBusReceivedMessage)message.Handle, reason, description, cancellationToken);
}
