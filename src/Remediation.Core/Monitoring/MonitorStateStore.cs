using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

using Remediation.Storage;

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

    /// <summary>
    /// The monitors changed since this instance last read them (every one the first time) and every server under repair:
    /// what a health answer reads, so a console polling every 2 s between probe rounds costs the store almost nothing.
    /// </summary>
    Task<MonitorState> LoadChangesAsync(CancellationToken cancellationToken);

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
    public Task<MonitorState> LoadChangesAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

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

    // When this instance last read the monitors (a health answer between rounds reads only what changed since).
    readonly ChangeHorizon horizon = new();

    /// <inheritdoc />
    public Task<MonitorState> LoadAsync(CancellationToken cancellationToken) => ReadAsync(changes: false, cancellationToken);

    /// <inheritdoc />
    public Task<MonitorState> LoadChangesAsync(CancellationToken cancellationToken) => ReadAsync(changes: true, cancellationToken);

    async Task<MonitorState> ReadAsync(bool changes, CancellationToken cancellationToken)
    {
        var since = changes ? horizon.Since : null;

        var snapshots = new List<MonitorSnapshot>();
        var repairing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Every repair, every time (a repair ends by deleting its row, which no change query returns); the monitors
        // all, or those the service stamped since the last read.
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == RepairPartition, cancellationToken: cancellationToken))
        {
            repairing.Add(entity.RowKey);
        }

        var filter = since is { } after
            ? TableClient.CreateQueryFilter($"PartitionKey ne {RepairPartition} and Timestamp ge {after}")
            : TableClient.CreateQueryFilter($"PartitionKey ne {RepairPartition}");
        DateTimeOffset? readAt = null;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).AsPages())
        {
            readAt ??= page.GetRawResponse().Headers.Date;
            foreach (var entity in page.Values)
            {
                snapshots.Add(JsonSerializer.Deserialize<MonitorSnapshot>(entity.GetString("Json"), JsonDefaults.Options)!);
                etags[(entity.PartitionKey, entity.RowKey)] = entity.ETag;
            }
        }

        horizon.Read(readAt);
        return new MonitorState(snapshots, repairing);
    }

    // The ETag of each monitor row as this instance last read or wrote it: a round's save is conditional on them.
    readonly ConcurrentDictionary<(string Server, string Monitor), ETag> etags = new();

    /// <inheritdoc />
    public async Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken)
    {
        var entity = Entity(snapshot);
        var written = await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        etags[(entity.PartitionKey, entity.RowKey)] = written.Headers.ETag ?? ETag.All;
    }

    /// <inheritdoc />
    public Task SaveAsync(IReadOnlyCollection<MonitorSnapshot> snapshots, CancellationToken cancellationToken) =>
        // A server is one partition: its monitors in one transaction (a server has at most six).
        Parallel.ForEachAsync(
            snapshots.GroupBy(s => s.Server.ToUpperInvariant(), StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (server, ct) => await SaveServerAsync(server.Key, [.. server.DistinctBy(s => s.Name)], ct));

    // Written under the ETags last seen, so a round's save cannot overwrite what another instance wrote since (a run
    // marking the server Repairing while this round probed): on a conflict the partition is read again and only the
    // monitors this instance holds newer (UpdatedAt) are written.
    async Task SaveServerAsync(string server, IReadOnlyList<MonitorSnapshot> snapshots, CancellationToken cancellationToken)
    {
        for (var attempt = 0; snapshots.Count > 0; attempt++)
        {
            var entities = snapshots.Select(Entity).ToList();
            var actions = entities.Select(e => etags.TryGetValue((e.PartitionKey, e.RowKey), out var etag) && etag != ETag.All
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, e, etag)
                : new TableTransactionAction(TableTransactionActionType.Add, e));
            try
            {
                var answers = await table.SubmitTransactionAsync(actions, cancellationToken);
                for (var i = 0; i < entities.Count; i++)
                {
                    etags[(server, entities[i].RowKey)] = answers.Value[i].Headers.ETag ?? ETag.All;
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 20)
            {
                var stored = new Dictionary<string, MonitorSnapshot>(StringComparer.Ordinal);
                await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == server, cancellationToken: cancellationToken))
                {
                    stored[entity.RowKey] = JsonSerializer.Deserialize<MonitorSnapshot>(entity.GetString("Json"), JsonDefaults.Options)!;
                    etags[(server, entity.RowKey)] = entity.ETag;
                }

                snapshots = [.. snapshots.Where(s => !stored.TryGetValue(s.Name, out var theirs) || (theirs.UpdatedAt ?? DateTimeOffset.MinValue) < (s.UpdatedAt ?? DateTimeOffset.MinValue))];
            }
        }
    }

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
