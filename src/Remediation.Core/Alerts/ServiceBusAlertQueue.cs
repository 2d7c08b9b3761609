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
            return new QueuedAlert(m.MessageId, alert, error, m.DeliveryCount, m.EnqueuedTime, new Received(m));
        })];
    }

    /// <inheritdoc />
    public Task CompleteAsync(QueuedAlert message, CancellationToken cancellationToken) =>
        receiver.CompleteMessageAsync(message.Handle.As<Received>().Message, cancellationToken);

    /// <inheritdoc />
    public Task AbandonAsync(QueuedAlert message, CancellationToken cancellationToken) =>
        receiver.AbandonMessageAsync(message.Handle.As<Received>().Message, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task DeadLetterAsync(QueuedAlert message, string reason, string description, CancellationToken cancellationToken) =>
        receiver.DeadLetterMessageAsync(message.Handle.As<Received>().Message, reason, description, cancellationToken);

    /// <summary>The Service Bus message a <see cref="QueuedAlert"/> came from (its lock token).</summary>
    sealed class Received(ServiceBusReceivedMessage message) : QueueHandle
    {
        public ServiceBusReceivedMessage Message { get; } = message;
    }
}
