using System.Text.RegularExpressions;
using DurableTask.AzureStorage;
using Microsoft.DurableTask.Testing.Sidecar;
using Remediation.Storage;

namespace Remediation.Host.Durable;

/// <summary>
/// Chooses the embedded engine's backend: the Azure Storage provider (the one Durable Functions uses, so runs survive
/// a crash) when <c>Remediation:Storage:ConnectionString</c> is set, otherwise in memory.
/// </summary>
internal static partial class DurableBackend
{
    /// <summary>The task hub's name, shared with the Functions app's host.json.</summary>
    public const string TaskHubKey = "Remediation:TaskHub";

    const string DefaultTaskHub = "imapremediation";

    /// <summary>Builds the backend the configuration asks for, or throws naming the setting that is wrong.</summary>
    public static SidecarOrchestrationService Create(IConfiguration configuration, ILoggerFactory loggerFactory, out string description)
    {
        var options = configuration.GetSection(DurableBackendOptions.Section).Get<DurableBackendOptions>() ?? new DurableBackendOptions();
        if (options.Validate() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (!storage.IsConfigured)
        {
            description = "in memory (runs do not survive a restart; set Remediation:Storage:ConnectionString or AccountName to keep them)";
            return new SidecarOrchestrationService(new InMemoryOrchestrationService(loggerFactory), options);
        }

        var taskHub = configuration[TaskHubKey] ?? DefaultTaskHub;
        if (!TaskHubName().IsMatch(taskHub))
        {
            throw new InvalidOperationException($"{TaskHubKey} must be 3 to 45 letters and digits, starting with a letter (was '{taskHub}').");
        }

        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = taskHub,
            StorageAccountClientProvider = string.IsNullOrWhiteSpace(storage.ConnectionString)
                ? new StorageAccountClientProvider(storage.AccountName!, storage.Credential())
                : new StorageAccountClientProvider(storage.ConnectionString),
            LoggerFactory = loggerFactory,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            LeaseInterval = options.LeaseInterval,
            WorkItemQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            ControlQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            PartitionCount = options.PartitionCount,
            ExtendedSessionsEnabled = options.ExtendedSessionIdleTimeout > TimeSpan.Zero,
            ExtendedSessionIdleTimeout = options.ExtendedSessionIdleTimeout,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            // One worker name per process: a host that restarts after a crash is a new owner and takes the partitions
            // over once the dead one's leases lapse, instead of trusting leases it never renewed.
            WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}",
        };
        description = $"Azure Storage, task hub '{taskHub}' ({options.PartitionCount} partitions)";
        return new SidecarOrchestrationService(new AzureStorageOrchestrationService(settings), options);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubName();
}
