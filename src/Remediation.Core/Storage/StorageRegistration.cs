using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Remediation.Storage;

/// <summary>Table storage for the features that keep state (runs, monitors, safety), when it is configured.</summary>
public static class StorageRegistration
{
    /// <summary>Storage settings, and a start-up step that creates every table a feature asked for.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddValidatedOptions<StorageOptions>(StorageOptions.Section);
        services.AddHostedService<TableCreator>();
        return services;
    }

    /// <summary>The storage settings as configured (features read them while registering).</summary>
    public static StorageOptions StorageSettings(this IConfiguration configuration) =>
        configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();

    /// <summary>The table <c>{prefix}{name}</c>, created at start-up; null when storage is not configured.</summary>
    public static TableClient? AddStorageTable(this IServiceCollection services, IConfiguration configuration, string name)
    {
        var storage = configuration.StorageSettings();
        if (!storage.IsConfigured)
        {
            return null;
        }

        var table = storage.CreateTableServiceClient().GetTableClient($"{storage.TablePrefix}{name}");
        services.AddSingleton(new StorageTable(table));
        return table;
    }

    /// <summary>A table some feature uses (so start-up creates it).</summary>
    sealed record StorageTable(TableClient Client);

    /// <summary>Creates the tables before anything reads them (hosted services start in registration order).</summary>
    sealed class TableCreator(IEnumerable<StorageTable> tables) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var table in tables)
            {
                await table.Client.CreateIfNotExistsAsync(cancellationToken);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
