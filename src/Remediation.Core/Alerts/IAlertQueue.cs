namespace Remediation.Alerts;

/// <summary>A message taken from the alert queue under a lock: the pump completes, abandons or dead-letters it.</summary>
/// <param name="MessageId">Queue message ID (the alert ID).</param>
/// <param name="Alert">The alert, or null when the body was malformed.</param>
/// <param name="Error">Why the body is not an alert.</param>
/// <param name="DeliveryCount">How many times it was delivered, this time included.</param>
/// <param name="ReceivedAt">When the product received it (the queue's enqueue time): what "late" is decided on, never the sender's own timestamp.</param>
/// <param name="Handle">The transport's own message (its lock), for the queue that delivered it.</param>
public sealed record QueuedAlert(string MessageId, Alert? Alert, string? Error, int DeliveryCount, DateTimeOffset ReceivedAt, QueueHandle Handle);

/// <summary>The transport's own message behind a <see cref="QueuedAlert"/>: only the queue that delivered it can read it.</summary>
public abstract class QueueHandle
{
    /// <summary>The <typeparamref name="T"/> message, or a clear error when another queue's message is handed back.</summary>
    public T As<T>() where T : QueueHandle => this as T ?? throw new InvalidOperationException($"A {GetType().Name} was handed to a queue that delivers {typeof(T).Name}.");
}

/// <summary>The receiving side of the alert queue, with Service Bus peek-lock semantics.</summary>
public interface IAlertQueue
{
    /// <summary>Receives up to <paramref name="maxMessages"/>, waiting at most <paramref name="maxWait"/> for the first.</summary>
    Task<IReadOnlyList<QueuedAlert>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>Handled: remove it.</summary>
    Task CompleteAsync(QueuedAlert message, CancellationToken cancellationToken);

    /// <summary>Not handled this time (transient failure): deliver again later.</summary>
    Task AbandonAsync(QueuedAlert message, CancellationToken cancellationToken);

    /// <summary>Never handleable: park it with a reason.</summary>
    Task DeadLetterAsync(QueuedAlert message, string reason, string description, CancellationToken cancellationToken);
}
