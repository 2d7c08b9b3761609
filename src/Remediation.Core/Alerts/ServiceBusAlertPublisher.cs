using Azure.Messaging.ServiceBus;

namespace Remediation.Alerts;

/// <summary>
/// Publishes alerts to the Service Bus alerts queue. The message ID is derived from the alert ID alone (the queue's
/// duplicate detection drops webhook retries) and the subject says what it is; everything else is in the body, the
/// one thing the pump reads (no application properties: nothing read them).
/// </summary>
public sealed class ServiceBusAlertPublisher(ServiceBusSender sender) : IAlertPublisher
{
    /// <summary>Subject of every alert message.</summary>
    public const string Subject = "imap-health-alert";

    /// <summary>Builds the message for <paramref name="alert"/>; the body keeps the full alert ID.</summary>
    public static ServiceBusMessage ToMessage(Alert alert)
    {
        return new ServiceBusMessage(AlertJson.Serialize(alert))
        {
            MessageId = AlertMessageId.For(alert.AlertId),
            Subject = Subject,
            ContentType = "application/json",
            CorrelationId = AlertMessageId.For(alert.CorrelationId ?? alert.AlertId),
        };
    }

    /// <inheritdoc />
    public Task PublishAsync(Alert alert, CancellationToken cancellationToken) =>
        sender.SendMessageAsync(ToMessage(alert), cancellationToken);
}
