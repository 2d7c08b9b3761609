using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Remediation.Monitoring;

/// <summary>What the store holds: every monitor, and the servers a run is repairing (null: the store does not keep them).</summary>
/// <param name="Monitors">Every saved monitor.</param>
/// <param name="Repairing">Servers under repair, when the store keeps them.</param>
public sealed record MonitorState(IReadOnlyList<MonitorSnapshot> Monitors, IReadOnlySet<string>? Repairing);

/// <summary>
/// Where monitor state is shared: every instance of a scaled-out app (and every host on one storage account) reads
/// and writes the same monitors through it, so probes, health answers and the "last healthy CAS" rule agree.
/// </summary>
public interface IMonitorStateStore
{
    /// <summary>Every saved monitor and the servers under repair.</summary>
    Task<MonitorState> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Saves one monitor's state.</summary>
    Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Saves a probe round's monitors (Table storage: one transaction per server).</summary>
    Task SaveAsync(IReadOnlyCollection<MonitorSnapshot> snapshots, CancellationToken cancellationToken);

    /// <summary>Marks <paramref name="server"/> under repair (a run works on it) or not.</summary>
    Task SetRepairingAsync(string server, bool repairing, CancellationToken cancellationToken);
}

/// <summary>No storage configured: one host, state in its memory only.</summary>
public sealed class InMemoryMonitorStateStore : IMonitorStateStore
{
    /// <inheritdoc />
    public Task<MonitorState> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(new MonitorState([], null));

    /// <inheritdoc />
    public Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task SaveAsync(IReadOnlyCollection<MonitorSnapshot> snapshots, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task SetRepairingAsync(string server, bool repairing, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Monitor state in Table storage: one entity per server and monitor; repairs in partition "~repair".</summary>
public sealed class TableMonitorStateStore(TableClient table) : IMonitorStateStore
{
    const string RepairPartition = "~repair";

    /// <inheritdoc />
    public async Task<MonitorState> LoadAsync(CancellationToken cancellationToken)
    {
        var snapshots = new List<MonitorSnapshot>();
        var repairing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            if (entity.PartitionKey == RepairPartition)
            {
                repairing.Add(entity.RowKey);
            }
            else
            {
                snapshots.Add(JsonSerializer.Deserialize<MonitorSnapshot>(entity.GetString("Json"), JsonDefaults.Options)!);
            }
        }

        return new MonitorState(snapshots, repairing);
    }

    /// <inheritdoc />
    public Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(Entity(snapshot), TableUpdateMode.Replace, cancellationToken);

    /// <inheritdoc />
    public Task SaveAsync(IReadOnlyCollection<MonitorSnapshot> snapshots, CancellationToken cancellationToken) =>
        // A server is one partition: its monitors in one transaction (a server has at most six).
        Parallel.ForEachAsync(
            snapshots.GroupBy(s => s.Server.ToUpperInvariant(), StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (server, ct) => await table.SubmitTransactionAsync(server.DistinctBy(s => s.Name).Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Entity(s))), ct));

    static TableEntity Entity(MonitorSnapshot snapshot) =>
        new(snapshot.Server.ToUpperInvariant(), snapshot.Name) { ["Json"] = JsonSerializer.Serialize(snapshot, JsonDefaults.Options) };

    /// <inheritdoc />
    public async Task SetRepairingAsync(string server, bool repairing, CancellationToken cancellationToken)
    {
        if (repairing)
        {
            await table.UpsertEntityAsync(new TableEntity(RepairPartition, server.ToUpperInvariant()), TableUpdateMode.Replace, cancellationToken);
            return;
        }

        try
        {
            await table.DeleteEntityAsync(RepairPartition, server.ToUpperInvariant(), ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // not marked: nothing to undo
        }
    }
}
