using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Remediation.Alerts;

/// <summary>The in-process queue's Service Bus-like settings.</summary>
public sealed class InProcessQueueOptions
{
    public const string Section = "Remediation:Queue";

    /// <summary>How long a received message stays locked before it is delivered again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries before a message goes to the dead-letter list.</summary>
    [Range(1, 100)]
    public int MaxDeliveryCount { get; set; } = 10;

    /// <summary>Window in which a second message with the same ID is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DuplicateDetectionWindow { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>A dead-lettered message and why.</summary>
public sealed record DeadLetteredAlert(QueuedAlert Message, string Reason, string Description);

/// <summary>
/// The queue used when no Service Bus is configured: the same semantics in memory: at-least-once delivery under a
/// lock, duplicate detection on the message ID, redelivery on abandon or lock expiry, dead-letter after too many.
/// </summary>
public sealed class InProcessAlertQueue(TimeProvider time, IOptions<InProcessQueueOptions> options) : IAlertPublisher, IAlertQueue, IDisposable
{
    sealed class Entry(string id, BinaryData body, DateTimeOffset enqueued) : QueueHandle
    {
        public string Id { get; } = id;
        public BinaryData Body { get; } = body;
        public DateTimeOffset Enqueued { get; } = enqueued;
        public int DeliveryCount { get; set; }
        public DateTimeOffset? LockedUntil { get; set; }
    }

    readonly InProcessQueueOptions settings = options.Value;
    readonly Lock gate = new();
    readonly List<Entry> entries = [];
    readonly Dictionary<string, DateTimeOffset> seenIds = new(StringComparer.Ordinal);
    readonly List<DeadLetteredAlert> deadLetters = [];
    readonly SemaphoreSlim arrived = new(0);

    /// <summary>Messages parked with a reason.</summary>
    public IReadOnlyList<DeadLetteredAlert> DeadLetters
    {
        get
        {
            lock (gate)
            {
                return [.. deadLetters];
            }
        }
    }

    /// <summary>Messages waiting or locked.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public Task PublishAsync(Alert alert, CancellationToken cancellationToken) =>
        SendAsync(AlertMessageId.For(alert.AlertId), AlertJson.Serialize(alert), cancellationToken);

    /// <summary>Enqueues a raw body (tests use it for malformed messages).</summary>
    public Task SendAsync(string messageId, BinaryData body, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            foreach (var old in seenIds.Where(kv => now - kv.Value > settings.DuplicateDetectionWindow).Select(kv => kv.Key).ToList())
            {
                seenIds.Remove(old);
            }

            if (!seenIds.TryAdd(messageId, now))
            {
                return Task.CompletedTask;
            }

            entries.Add(new Entry(messageId, body, now));
        }

        arrived.Release();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueuedAlert>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var batch = TakeAvailable(maxMessages);
        if (batch.Count == 0 && maxWait > TimeSpan.Zero)
        {
            _ = await arrived.WaitAsync(maxWait, cancellationToken);
            batch = TakeAvailable(maxMessages);
        }

        return batch;
    }

    /// <inheritdoc />
    public Task CompleteAsync(QueuedAlert message, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            entries.Remove(message.Handle.As<Entry>());
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task AbandonAsync(QueuedAlert message, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            (message.Handle.As<Entry>()).LockedUntil = null;
        }

        arrived.Release();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeadLetterAsync(QueuedAlert message, string reason, string description, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            entries.Remove(message.Handle.As<Entry>());
            deadLetters.Add(new DeadLetteredAlert(message, reason, description));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => arrived.Dispose();

    List<QueuedAlert> TakeAvailable(int maxMessages)
    {
        var now = time.GetUtcNow();
        var batch = new List<QueuedAlert>();
        lock (gate)
        {
            foreach (var entry in entries.ToList())
            {
                if (batch.Count == maxMessages)
                {
                    break;
                }

                if (entry.LockedUntil is { } until && until > now)
                {
                    continue;
                }

                if (entry.DeliveryCount >= settings.MaxDeliveryCount)
                {
                    entries.Remove(entry);
                    var parked = new QueuedAlert(entry.Id, null, null, entry.DeliveryCount, entry.Enqueued, entry);
                    deadLetters.Add(new DeadLetteredAlert(parked, "MaxDeliveryCountExceeded", $"Delivered {entry.DeliveryCount} times without being completed."));
                    continue;
                }

                entry.DeliveryCount++;
                entry.LockedUntil = now + settings.LockDuration;
                var (alert, error) = AlertJson.Deserialize(entry.Body);
                batch.Add(new QueuedAlert(entry.Id, alert, error, entry.DeliveryCount, entry.Enqueued, entry));
            }
        }

        return batch;
    }
}
