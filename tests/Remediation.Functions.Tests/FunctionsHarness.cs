using Azure.Messaging.ServiceBus;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Remediation.Alerts;
using Remediation.Host.Durable;
using Remediation.Lab;
using Remediation.Recovery;

namespace Remediation.Functions.Tests;

/// <summary>Service Bus cannot run here: a sender that records, through the SDK's own mocking seam.</summary>
public sealed class RecordingSender : ServiceBusSender
{
    public List<ServiceBusMessage> Sent { get; } = [];

    public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
    {
        lock (Sent)
        {
            Sent.Add(message);
        }

        return Task.CompletedTask;
    }
}

/// <summary>A receiver holding given messages, recording how the pump settles them (the SDK's mocking seam).</summary>
public sealed class ScriptedReceiver(IReadOnlyList<ServiceBusReceivedMessage> messages) : ServiceBusReceiver
{
    public List<string> Settled { get; } = [];

    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ServiceBusReceivedMessage>>([.. messages.Take(maxMessages)]);

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => Settle($"complete {message.MessageId}");

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        Settle($"abandon {message.MessageId}");

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default) =>
        Settle($"dead-letter {message.MessageId} {deadLetterReason}");

    Task Settle(string what)
    {
        lock (Settled)
        {
            Settled.Add(what);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The Functions app's services as its Program.cs registers them (the engine's AddRemediationEngine with Service Bus
/// configured), with the Service Bus clients swapped for the SDK seams, plus an embedded Durable engine for the
/// client binding the functions receive.
/// </summary>
public sealed class FunctionsHarness : IAsyncDisposable
{
    FunctionsHarness(IHost host, EmbeddedDurableEngine durable, ImapLab lab)
    {
        Host = host;
        Durable = durable;
        Lab = lab;
    }

    public IHost Host { get; }

    public EmbeddedDurableEngine Durable { get; }

    public ImapLab Lab { get; }

    public IServiceProvider Services => Host.Services;

    public DurableTaskClient Client => Services.GetRequiredService<DurableTaskClient>();

    public static async Task<FunctionsHarness> StartAsync(ServiceBusSender sender, ServiceBusReceiver receiver, Action<IServiceCollection>? services = null, Action<DurableTaskRegistry>? tasks = null, IDictionary<string, string?>? more = null)
    {
        var root = Environment.GetEnvironmentVariable("REMEDIATION_LAB_ROOT") ?? Path.GetTempPath();
        var lab = await ImapLab.StartAsync(LabDefinition.Minimal, Path.Combine(root, $"fn-{Guid.NewGuid():N}"[..11]));

        // Whatever fails from here (a setting the engine refuses, a host that does not start), the lab's Dovecot
        // processes and the Durable engine are stopped: a failing test leaves nothing running.
        EmbeddedDurableEngine? durable = null;
        IHost? host = null;
        try
        {
            durable = await EmbeddedDurableEngine.StartAsync(LoggerFactory.Create(_ => { }));
            var settings = Remediation.Lab.LabMode.Settings(lab);
            settings["Remediation:ServiceBus:ConnectionString"] = "Endpoint=sb://unused.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=a2V5";
            settings["Remediation:Monitors:ConsecutiveFailures"] = "1";
            settings["Remediation:Topology:Domains:0"] = "contoso.local"; // the alert sources name servers by FQDN
            settings[Remediation.Operators.AppServicePrincipal.EnabledSetting] = "True"; // as App Service sets it with authentication on
            foreach (var (key, value) in more ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Services.AddRemediationEngine(builder.Configuration);
            builder.Services.AddSingleton<OperatorAccess>();
            builder.Services.AddSingleton(sender);
            builder.Services.AddSingleton(receiver);
            builder.Services.AddDurableTaskClient(b => b.UseGrpc(durable.Channel));
            builder.Services.AddDurableTaskWorker(b => b.AddTasks(r => { r.AddRemediationTasks(); tasks?.Invoke(r); }).UseGrpc(durable.Channel));
            services?.Invoke(builder.Services);
            host = builder.Build();
            await host.StartAsync();
            return new FunctionsHarness(host, durable, lab);
        }
        catch
        {
            host?.Dispose();
            if (durable is not null)
            {
                await durable.DisposeAsync();
            }

            await lab.DisposeAsync();
            Directory.Delete(lab.Directory, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await Durable.DisposeAsync();
        await Lab.DisposeAsync();
        Directory.Delete(Lab.Directory, recursive: true);
    }

    public static ServiceBusReceivedMessage Received(Alert alert, int deliveryCount = 1) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(AlertJson.Serialize(alert), messageId: alert.AlertId, deliveryCount: deliveryCount, subject: ServiceBusAlertPublisher.Subject);

    /// <summary>A request as App Service Authentication passes it on: signed in as <paramref name="name"/> with <paramref name="roles"/>.</summary>
    public HttpRequest SignedIn(string name, string objectId, params string[] roles)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Response.Body = new MemoryStream();
        context.Request.Headers[Remediation.Operators.AppServicePrincipal.Header] = Remediation.Operators.AppServicePrincipal.Encode(
            "aad", [("name", name), ("oid", objectId), .. roles.Select(r => ("roles", r))]);
        context.Request.Headers.Authorization = "Bearer (validated by App Service)"; // an API client: no ambient credential
        return context.Request;
    }
}
