using Azure.Messaging.ServiceBus;
using Remediation.Alerts;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.Alerts;

/// <summary>Service Bus cannot run here: these use the SDK's own seams (mockable clients, ServiceBusModelFactory).</summary>
public class ServiceBusAlertTests
{
    sealed class RecordingSender : ServiceBusSender
    {
        public List<ServiceBusMessage> Sent { get; } = [];

        public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
        {
            Sent.Add(message);
            return Task.CompletedTask;
        }
    }

    sealed class ScriptedReceiver(params ServiceBusReceivedMessage[] messages) : ServiceBusReceiver
    {
        public List<string> Calls { get; } = [];

        public override Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<ServiceBusReceivedMessage>>([.. messages.Take(maxMessages)]);

        public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
        {
            Calls.Add($"complete {message.MessageId}");
            return Task.CompletedTask;
        }

        public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
        {
            Calls.Add($"abandon {message.MessageId}");
            return Task.CompletedTask;
        }

        public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
        {
            Calls.Add($"dead-letter {message.MessageId} {deadLetterReason}: {deadLetterErrorDescription}");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Publisher_sets_the_fields_the_pump_and_duplicate_detection_rely_on()
    {
        var sender = new RecordingSender();
        var alert = Alert("probe:MBX1:ImapSelfTestMonitor:20261127T030000000Z") with { CorrelationId = "corr-1" };

        await new ServiceBusAlertPublisher(sender).PublishAsync(alert, CancellationToken.None);

        var message = Assert.Single(sender.Sent);
        Assert.Equal(alert.AlertId, message.MessageId);
        Assert.Equal("imap-health-alert", message.Subject);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("corr-1", message.CorrelationId);
        Assert.Empty(message.ApplicationProperties);
        Assert.Equal(alert, AlertJson.Deserialize(message.Body).Alert);
    }

    [Fact]
    public async Task A_real_azure_monitor_alert_id_of_132_characters_is_published_with_a_deterministic_id_that_fits()
    {
        var parsed = AlertWebhook.Parse(System.Text.Encoding.UTF8.GetBytes(AlertWebhookTests.AzureMonitor), new()
        {
            Servers = [new() { Name = "EXMBX01", Role = Remediation.Topology.ServerRole.Mailbox, BackEnd = new() { Host = "exmbx01.contoso.local", Port = 1993 } }],
        }, TimeProvider.System).Alert!;
        var sender = new RecordingSender();
        var publisher = new ServiceBusAlertPublisher(sender);

        await publisher.PublishAsync(parsed, CancellationToken.None);
        await publisher.PublishAsync(parsed, CancellationToken.None);
        await publisher.PublishAsync(parsed with { AlertId = parsed.AlertId[..^1] + "1" }, CancellationToken.None);

        Assert.Equal(132, parsed.AlertId.Length);
        Assert.All(sender.Sent, m => Assert.InRange(m.MessageId.Length, 1, 128));
        Assert.All(sender.Sent, m => Assert.InRange(m.CorrelationId.Length, 1, 128));
        Assert.Equal(sender.Sent[0].MessageId, sender.Sent[1].MessageId);
        Assert.NotEqual(sender.Sent[0].MessageId, sender.Sent[2].MessageId);
        Assert.Equal(parsed.AlertId, AlertJson.Deserialize(sender.Sent[0].Body).Alert!.AlertId);
    }

    [Fact]
    public void An_alert_id_that_fits_is_its_own_message_id()
    {
        Assert.Equal(new string('a', 128), AlertMessageId.For(new string('a', 128)));
        Assert.StartsWith("sha256:", AlertMessageId.For(new string('a', 129)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publisher_without_monitor_or_correlation_falls_back_to_the_alert_id()
    {
        var sender = new RecordingSender();

        await new ServiceBusAlertPublisher(sender).PublishAsync(Alert("x") with { Monitor = null }, CancellationToken.None);

        var message = Assert.Single(sender.Sent);
        Assert.Equal("x", message.CorrelationId);
        Assert.False(message.ApplicationProperties.ContainsKey("monitor"));
    }

    [Fact]
    public async Task Queue_reads_received_messages_and_settles_them_through_the_receiver()
    {
        var good = ServiceBusModelFactory.ServiceBusReceivedMessage(AlertJson.Serialize(Alert("good")), messageId: "good", deliveryCount: 2);
        var bad = ServiceBusModelFactory.ServiceBusReceivedMessage(BinaryData.FromString("{\"server\":\"MBX1\"}"), messageId: "bad", deliveryCount: 1);
        var receiver = new ScriptedReceiver(good, bad);
        var queue = new ServiceBusAlertQueue(receiver);

        var batch = await queue.ReceiveAsync(10, TimeSpan.Zero, CancellationToken.None);
        await queue.CompleteAsync(batch[0], CancellationToken.None);
        await queue.DeadLetterAsync(batch[1], "MalformedAlert", batch[1].Error!, CancellationToken.None);
        await queue.AbandonAsync(batch[0], CancellationToken.None);

        Assert.Equal("good", batch[0].Alert!.AlertId);
        Assert.Equal(2, batch[0].DeliveryCount);
        Assert.Null(batch[1].Alert);
        Assert.Equal(["complete good", "dead-letter bad MalformedAlert: alertId is missing.", "abandon good"], receiver.Calls);
    }
}
