namespace Remediation.Alerts;

/// <summary>Puts alerts on the alert queue (Service Bus in Azure, an in-process queue otherwise).</summary>
public interface IAlertPublisher
{
    /// <summary>Publishes <paramref name="alert"/>; the queue drops a second message with the same alert ID.</summary>
    Task PublishAsync(Alert alert, CancellationToken cancellationToken);
}
