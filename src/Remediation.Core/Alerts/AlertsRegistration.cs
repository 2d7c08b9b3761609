using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Remediation.Alerts;

/// <summary>Registers alert intake and the queue: Service Bus when configured, else the in-process queue.</summary>
public static class AlertsRegistration
{
    /// <summary>Intake (webhook parsing), the publisher and the queue the pump drains.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<InProcessQueueOptions>(InProcessQueueOptions.Section);
        services.AddValidatedOptions<ServiceBusOptions>(ServiceBusOptions.Section);
        services.AddSingleton<AlertIntake>();
        services.AddOptions<AlertWebhookOptions>().BindConfiguration(AlertWebhookOptions.Section)
            .Validate(o => o.WebhookKeys.Values.All(k => k.Length >= 32), $"Every {AlertWebhookOptions.Section}:WebhookKeys value must be at least 32 characters.").ValidateOnStart();
        services.AddSingleton<AlertWebhookKeys>();
        var serviceBus = configuration.GetSection(ServiceBusOptions.Section).Get<ServiceBusOptions>() ?? new ServiceBusOptions();
        if (serviceBus.IsConfigured)
        {
            services.AddSingleton(_ => serviceBus.CreateClient());
            services.AddSingleton(sp => sp.GetRequiredService<ServiceBusClient>().CreateSender(serviceBus.QueueName));
            services.AddSingleton(sp => sp.GetRequiredService<ServiceBusClient>().CreateReceiver(serviceBus.QueueName));
            services.AddSingleton<IAlertPublisher, ServiceBusAlertPublisher>();
            services.AddSingleton<IAlertQueue, ServiceBusAlertQueue>();
        }
        else
        {
            services.AddSingleton<InProcessAlertQueue>();
            services.AddSingleton<IAlertPublisher>(sp => sp.GetRequiredService<InProcessAlertQueue>());
            services.AddSingleton<IAlertQueue>(sp => sp.GetRequiredService<InProcessAlertQueue>());
        }

        return services;
    }
}
