using Azure.Messaging.ServiceBus;

namespace Remediation.Alerts;

/// <summary>
/// Publishes alerts to the Service Bus alerts queue. The message ID is derived from the alert ID alone (the queue's
/// duplicate detection drops webhook retries), the subject says what it is, and the application properties carry what
/// the pump routes on without reading the body.
/// </summary>
public sealed class ServiceBusAlertPublisher(ServiceBusSender sender) : IAlertPublisher
{
    /// <summary>Subject of every alert message.</summary>
    public const string Subject = "imap-health-alert";

    /// <summary>Application property names.</summary>
    public static class Properties
    {
        /// <summary>The Exchange server.</summary>
        public const string Server = "server";

        /// <summary>The health set.</summary>
        public const string HealthSet = "healthSet";

        /// <summary>The monitor, when known.</summary>
        public const string Monitor = "monitor";

        /// <summary>Who raised the alert.</summary>
        public const string Source = "source";
    }

    /// <summary>Builds the message for <paramref name="alert"/>; the body keeps the full alert ID.</summary>
    public static ServiceBusMessage ToMessage(Alert alert)
    {
        var message = new ServiceBusMessage(AlertJson.Serialize(alert))
        {
            MessageId = AlertMessageId.For(alert.AlertId),
            Subject = Subject,
            ContentType = "application/json",
            CorrelationId = AlertMessageId.For(alert.CorrelationId ?? alert.AlertId),
        };
        message.ApplicationProperties[Properties.Server] = alert.Server;
        message.ApplicationProperties[Properties.HealthSet] = alert.HealthSet;
        message.ApplicationProperties[Properties.Source] = alert.Source;
        if (alert.Monitor is not null)
        {
            message.ApplicationProperties[Properties.Monitor] = alert.Monitor;
        }

        return message;
    }

    /// <inheritdoc />
    public Task PublishAsync(Alert alert, CancellationToken cancellationToken) =>
        sender.SendMessageAsync(ToMessage(alert), cancellationToken);
}
