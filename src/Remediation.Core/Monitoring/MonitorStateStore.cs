using System.Text.Json;
using Azure.Data.Tables;

namespace Remediation.Monitoring;

/// <summary>Where monitor state is kept between restarts of a host.</summary>
public interface IMonitorStateStore
{
    /// <summary>Every saved monitor.</summary>
    Task<IReadOnlyList<MonitorSnapshot>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Saves one monitor's state.</summary>
    Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken);
}

/// <summary>No storage configured: state lives in memory only.</summary>
public sealed class InMemoryMonitorStateStore : IMonitorStateStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<MonitorSnapshot>> LoadAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<MonitorSnapshot>>([]);

    /// <inheritdoc />
    public Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Monitor state in Table storage: one entity per server and monitor.</summary>
public sealed class TableMonitorStateStore(TableClient table) : IMonitorStateStore
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<MonitorSnapshot>> LoadAsync(CancellationToken cancellationToken)
    {
        var snapshots = new List<MonitorSnapshot>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            snapshots.Add(JsonSerializer.Deserialize<MonitorSnapshot>(entity.GetString("Json"), JsonDefaults.Options)!);
        }

        return snapshots;
    }

    /// <inheritdoc />
    public Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(
            new TableEntity(snapshot.Server.ToUpperInvariant(), snapshot.Name) { ["Json"] = JsonSerializer.Serialize(snapshot, JsonDefaults.Options) },
            TableUpdateMode.Replace,
            cancellationToken);
}
