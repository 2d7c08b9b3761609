using Azure.Messaging.ServiceBus;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Escalation;
using Remediation.Exchange;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Recovery.Activities;
using Remediation.Runs;
using Remediation.Safety;
using Remediation.Storage;
using Remediation.Topology;

namespace Remediation;

/// <summary>Registers the engine; both hosts call these and nothing else to get the same behaviour.</summary>
public static class RemediationEngineExtensions
{
    /// <summary>Options (validated at start), probes, monitors, the alert queue, the pump and the run ledger.</summary>
    public static IServiceCollection AddRemediationEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddOptions<TopologyOptions>().BindConfiguration(TopologyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TopologyOptions>, TopologyOptionsValidator>();
        services.AddOptions<ProbeOptions>().BindConfiguration(ProbeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MonitorOptions>().BindConfiguration(MonitorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AlertPumpOptions>().BindConfiguration(AlertPumpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InProcessQueueOptions>().BindConfiguration(InProcessQueueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RecoveryOptions>().BindConfiguration(RecoveryOptions.Section).ValidateOnStart();
        services.AddOptions<ServiceBusOptions>().BindConfiguration(ServiceBusOptions.Section);
        services.AddOptions<ThrottleOptions>().BindConfiguration(ThrottleOptions.Section);
        services.AddOptions<EscalationOptions>().BindConfiguration(EscalationOptions.Section);
        services.AddOptions<AgentClientOptions>().BindConfiguration(AgentClientOptions.Section);

        services.AddTransient<AgentSigningHandler>();
        services.AddHttpClient<ExchangeAgentClient>((sp, http) =>
        {
            var agent = sp.GetRequiredService<IOptionsMonitor<AgentClientOptions>>().CurrentValue;
            http.BaseAddress = agent.BaseAddress;
            http.Timeout = agent.Timeout;
        }).AddHttpMessageHandler<AgentSigningHandler>();
        services.AddHttpClient(EscalateActivity.WebhookClient);
        services.AddSingleton<AgentConnection>();

        services.AddSingleton<IImapProbe, ImapCtpProbe>();
        services.AddSingleton<IImapProbe, ImapProxyTestProbe>();
        services.AddSingleton<IImapProbe, ImapDeepTestProbe>();
        services.AddSingleton<IImapProbe, ImapSelfTestProbe>();
        services.AddSingleton<ProbeRunner>();
        services.AddSingleton<MonitorBoard>();
        services.AddSingleton<ProbeCycle>();
        services.AddSingleton<HealthApi>();
        services.AddSingleton<AlertPump>();
        services.AddSingleton<RunCommands>();
        services.AddSingleton<RunQueries>();
        services.AddSingleton<AlertIntake>();
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.IsConfigured)
        {
            var tables = storage.CreateTableServiceClient();
            var runs = tables.GetTableClient($"{storage.TablePrefix}runs");
            var runAlerts = tables.GetTableClient($"{storage.TablePrefix}runalerts");
            var monitors = tables.GetTableClient($"{storage.TablePrefix}monitors");
            services.AddSingleton(runs);
            services.AddSingleton(runAlerts);
            services.AddSingleton(monitors);
            var safety = tables.GetTableClient($"{storage.TablePrefix}safety");
            services.AddSingleton(safety);
            services.TryAddSingleton<IRunLedger>(new TableRunLedger(runs, runAlerts));
            services.TryAddSingleton<ISafetyStore>(new TableSafetyStore(safety));
            services.TryAddSingleton<IMonitorStateStore>(new TableMonitorStateStore(monitors));
        }
        else
        {
            services.TryAddSingleton<IRunLedger, InMemoryRunLedger>();
            services.TryAddSingleton<IMonitorStateStore, InMemoryMonitorStateStore>();
            services.TryAddSingleton<ISafetyStore, InMemorySafetyStore>();
        }

        services.AddHostedService<StateLoader>();

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

    /// <summary>Every orchestrator and activity of the engine, by class name.</summary>
    public static DurableTaskRegistry AddRemediationTasks(this DurableTaskRegistry registry)
    {
        registry.AddOrchestrator<ImapRecoveryOrchestrator>();
        registry.AddOrchestrator<DeepTestRecoveryOrchestrator>();
        registry.AddActivity<RunImapProbeActivity>();
        registry.AddActivity<ReadServerHealthActivity>();
        registry.AddActivity<RestartImapServiceActivity>();
        registry.AddActivity<RestartServerActivity>();
        registry.AddActivity<SetDatabaseCopyActivationActivity>();
        registry.AddActivity<ReadDatabaseCopyStatusActivity>();
        registry.AddActivity<SetImapProtocolLoggingActivity>();
        registry.AddActivity<ReadImapSettingsActivity>();
        registry.AddActivity<CheckSafetyActivity>();
        registry.AddActivity<ReleaseDisruptionActivity>();
        registry.AddActivity<EscalateActivity>();
        registry.AddActivity<OpenRunActivity>();
        registry.AddActivity<RecordRunStepActivity>();
        registry.AddActivity<CloseRunActivity>();
        return registry;
    }
}
