using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Remediation.Alerts;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.Alerts;

public class InProcessAlertQueueTests
{
    readonly FakeTimeProvider time = new(Start);

    InProcessAlertQueue Queue(int maxDeliveries = 3) => new(time, Options.Create(new InProcessQueueOptions
    {
        LockDuration = TimeSpan.FromSeconds(30),
        MaxDeliveryCount = maxDeliveries,
        DuplicateDetectionWindow = TimeSpan.FromMinutes(10),
    }));

    [Fact]
    public async Task A_second_message_with_the_same_id_is_dropped_within_the_window_only()
    {
        using var queue = Queue();
        await queue.PublishAsync(Alert("a"), default);
        await queue.PublishAsync(Alert("a"), default);
        Assert.Equal(1, queue.Count);

        await queue.CompleteAsync((await queue.ReceiveAsync(10, TimeSpan.Zero, default))[0], default);
        time.Advance(TimeSpan.FromMinutes(11));
        await queue.PublishAsync(Alert("a"), default);

        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task A_locked_message_is_not_delivered_again_until_its_lock_expires()
    {
        using var queue = Queue();
        await queue.PublishAsync(Alert("a"), default);

        var first = await queue.ReceiveAsync(10, TimeSpan.Zero, default);
        var whileLocked = await queue.ReceiveAsync(10, TimeSpan.Zero, default);
        time.Advance(TimeSpan.FromSeconds(31));
        var afterExpiry = await queue.ReceiveAsync(10, TimeSpan.Zero, default);

        Assert.Single(first);
        Assert.Empty(whileLocked);
        Assert.Equal(2, Assert.Single(afterExpiry).DeliveryCount);
    }

    [Fact]
    public async Task Abandon_redelivers_and_too_many_deliveries_dead_letter()
    {
        using var queue = Queue(maxDeliveries: 2);
        await queue.PublishAsync(Alert("a"), default);

        await queue.AbandonAsync((await queue.ReceiveAsync(1, TimeSpan.Zero, default))[0], default);
        await queue.AbandonAsync((await queue.ReceiveAsync(1, TimeSpan.Zero, default))[0], default);
        var third = await queue.ReceiveAsync(1, TimeSpan.Zero, default);

        Assert.Empty(third);
        Assert.Equal("MaxDeliveryCountExceeded", Assert.Single(queue.DeadLetters).Reason);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_malformed_body_arrives_with_an_error_that_names_the_problem()
    {
        using var queue = Queue();
        await queue.SendAsync("m1", BinaryData.FromString("not json"), default);
        await queue.SendAsync("m2", BinaryData.FromString("{\"alertId\":\"x\",\"healthSet\":\"IMAP\"}"), default);

        var batch = await queue.ReceiveAsync(10, TimeSpan.Zero, default);

        Assert.Null(batch[0].Alert);
        Assert.StartsWith("Body is not an alert", batch[0].Error, StringComparison.Ordinal);
        Assert.Equal("server is missing.", batch[1].Error);
    }

    [Fact]
    public async Task Receive_waits_for_a_message_published_meanwhile()
    {
        using var queue = Queue();
        var receiving = queue.ReceiveAsync(10, TimeSpan.FromSeconds(30), default);

        await queue.PublishAsync(Alert("late"), default);

        Assert.Equal("late", Assert.Single(await receiving).MessageId);
    }
}
