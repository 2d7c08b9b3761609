using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Remediation.Safety;

/// <summary>A disruptive action the throttle counted: which, where, when, for which step (its idempotency key).</summary>
public sealed record ThrottleEntry(DisruptiveAction Action, string Server, DateTimeOffset At, string Key);

/// <summary>
/// What the safety gate remembers about one group (a DAG, a site's CAS servers, or a lone server): the disruptive
/// actions taken in it (throttles) and the run that is draining or restarting one of its servers (blast radius). A
/// hold never lapses by age (a run may wait for approval, then for a maintenance window, for many hours): it ends with
/// its run, when the server it left drained can take its databases again, when the run reconciler closes a run whose
/// orchestration died, or when an operator releases it.
/// </summary>
public sealed record GroupSafety(IReadOnlyList<ThrottleEntry> Taken, string? HolderRunId = null, string? HolderServer = null, DateTimeOffset? HeldSince = null)
{
    /// <summary>This state with <paramref name="runId"/>'s hold released (unchanged when another run holds it).</summary>
    public GroupSafety ReleasedBy(string runId) => HolderRunId == runId ? this with { HolderRunId = null, HolderServer = null, HeldSince = null } : this;


    /// <summary>Nothing taken, nobody holding.</summary>
    public static GroupSafety Empty { get; } = new([]);
}

/// <summary>
/// Where the safety gate's memory lives. Changes to a group are atomic (read, decide, write), so two hosts, or two
/// runs in one host, never both take the last throttle slot or both take a DAG down.
/// </summary>
public interface ISafetyStore
{
    /// <summary>Applies <paramref name="change"/> to <paramref name="group"/>'s state atomically and returns its result.</summary>
    Task<T> ChangeAsync<T>(string group, Func<GroupSafety, (GroupSafety State, T Result)> change, CancellationToken cancellationToken);

    /// <summary>Releases every group <paramref name="runId"/> holds (at the end of every run).</summary>
    Task ReleaseAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="group"/>'s state without changing it.</summary>
    Task<GroupSafety> GetAsync(string group, CancellationToken cancellationToken);
}

/// <summary>No storage configured: per host, in memory (a restart forgets past actions).</summary>
public sealed class InMemorySafetyStore : ISafetyStore
{
    readonly Lock gate = new();
    readonly Dictionary<string, GroupSafety> groups = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public Task<T> ChangeAsync<T>(string group, Func<GroupSafety, (GroupSafety State, T Result)> change, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var (state, result) = change(groups.GetValueOrDefault(group) ?? GroupSafety.Empty);
            groups[group] = state;
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc />
    public Task<GroupSafety> GetAsync(string group, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(groups.GetValueOrDefault(group) ?? GroupSafety.Empty);
        }
    }

    /// <inheritdoc />
    public Task ReleaseAsync(string runId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            foreach (var (group, state) in groups.Where(g => g.Value.HolderRunId == runId).ToList())
            {
                groups[group] = state.ReleasedBy(runId);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Safety state in Table storage, one entity per group, changed with optimistic concurrency (ETag): survives a
/// restart and is shared by every host of the deployment.
/// </summary>
public sealed class TableSafetyStore(TableClient table) : ISafetyStore
{
    const string Partition = "group";
    const int Attempts = 20;

    /// <inheritdoc />
    public async Task<T> ChangeAsync<T>(string group, Func<GroupSafety, (GroupSafety State, T Result)> change, CancellationToken cancellationToken)
    {
        var row = RowKey(group);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, row, cancellationToken: cancellationToken);
            var current = existing.HasValue ? JsonSerializer.Deserialize<GroupSafety>(existing.Value!.GetString("Json"), JsonDefaults.Options)! : GroupSafety.Empty;
            var (state, result) = change(current);
            var entity = new TableEntity(Partition, row) { ["Group"] = group, ["HolderRunId"] = state.HolderRunId, ["Json"] = JsonSerializer.Serialize(state, JsonDefaults.Options) };
            try
            {
                if (existing.HasValue)
                {
                    await table.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }

                return result;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < Attempts)
            {
                // Another host changed the group between our read and our write: decide again on what it wrote.
            }
        }
    }

    /// <inheritdoc />
    public async Task<GroupSafety> GetAsync(string group, CancellationToken cancellationToken)
    {
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, RowKey(group), cancellationToken: cancellationToken);
        return existing.HasValue ? JsonSerializer.Deserialize<GroupSafety>(existing.Value!.GetString("Json"), JsonDefaults.Options)! : GroupSafety.Empty;
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string runId, CancellationToken cancellationToken)
    {
        var held = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and HolderRunId eq {runId}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            held.Add(entity.GetString("Group"));
        }

        foreach (var group in held)
        {
            await ChangeAsync(group, s => (s.ReleasedBy(runId), true), cancellationToken);
        }
    }

    // Row keys may not hold / \ # ? or control characters; group names are server, DAG and site names.
    static string RowKey(string group) =>
        new([.. group.ToUpperInvariant().Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c)]);
}
