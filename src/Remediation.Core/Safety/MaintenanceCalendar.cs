using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Remediation.Topology;

namespace Remediation.Safety;

/// <summary>A window open for a server now: which, and until when.</summary>
/// <param name="WindowId">The window.</param>
/// <param name="Target">What it covers ("DAG DAG1").</param>
/// <param name="Until">When it closes (UTC).</param>
/// <param name="Reason">Why it was scheduled.</param>
public sealed record OpenMaintenance(string WindowId, string Target, DateTimeOffset? Until, string? Reason)
{
    /// <summary>One sentence for a run's timeline.</summary>
    public string Describe(string server, TimeZoneInfo zone) =>
        $"{server} is in maintenance window {WindowId} ({Target}{(Reason is null ? "" : $": {Reason}")}) {(Until is { } until ? $"until {TimeZoneInfo.ConvertTime(until, zone):yyyy-MM-dd HH:mm} {zone.Id}" : "with no end (InMaintenance)")}: it is probed, never touched.";
}

/// <summary>Windows scheduled through the API (settings windows live in <see cref="MaintenanceOptions"/>).</summary>
public interface IMaintenanceStore
{
    /// <summary>Every scheduled window.</summary>
    Task<IReadOnlyList<MaintenanceWindow>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds or replaces a window by its ID.</summary>
    Task SaveAsync(MaintenanceWindow window, CancellationToken cancellationToken);

    /// <summary>Removes a window; false when there was none.</summary>
    Task<bool> RemoveAsync(string id, CancellationToken cancellationToken);
}

/// <summary>No storage: windows scheduled through the API last as long as the host.</summary>
public sealed class InMemoryMaintenanceStore : IMaintenanceStore
{
    readonly ConcurrentDictionary<string, MaintenanceWindow> windows = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<IReadOnlyList<MaintenanceWindow>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<MaintenanceWindow>>([.. windows.Values]);

    /// <inheritdoc />
    public Task SaveAsync(MaintenanceWindow window, CancellationToken cancellationToken)
    {
        windows[window.Id!] = window;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string id, CancellationToken cancellationToken) => Task.FromResult(windows.TryRemove(id, out _));
}

/// <summary>Scheduled windows in Table storage (the safety table, partition "maintenance"): shared by every host.</summary>
public sealed class TableMaintenanceStore(TableClient table) : IMaintenanceStore
{
    const string Partition = "maintenance";

    /// <inheritdoc />
    public async Task<IReadOnlyList<MaintenanceWindow>> ListAsync(CancellationToken cancellationToken)
    {
        var windows = new List<MaintenanceWindow>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            windows.Add(JsonSerializer.Deserialize<MaintenanceWindow>(entity.GetString("Json"), JsonDefaults.Options)!);
        }

        return windows;
    }

    /// <inheritdoc />
    public Task SaveAsync(MaintenanceWindow window, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(new TableEntity(Partition, window.Id) { ["Json"] = JsonSerializer.Serialize(window, JsonDefaults.Options) }, TableUpdateMode.Replace, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken) =>
        (await table.DeleteEntityAsync(Partition, id, cancellationToken: cancellationToken)).Status != 404;
}

/// <summary>
/// Every maintenance window (settings, API, and a server's InMaintenance flag) and the question the safety gate asks:
/// is this server in one now, and until when.
/// </summary>
public sealed class MaintenanceCalendar(IOptionsMonitor<MaintenanceOptions> options, IOptionsMonitor<TopologyOptions> topology, IMaintenanceStore store, TimeProvider time)
{
    /// <summary>The organisation's time zone.</summary>
    public TimeZoneInfo Zone => options.CurrentValue.Zone;

    /// <summary>Every window: settings ones first ("settings-N"), then scheduled ones.</summary>
    public async Task<IReadOnlyList<MaintenanceWindow>> AllAsync(CancellationToken cancellationToken)
    {
        var fromSettings = options.CurrentValue.Windows.Select((w, i) => { w.Id ??= $"settings-{i}"; return w; });
        return [.. fromSettings, .. await store.ListAsync(cancellationToken)];
    }

    /// <summary>The window open for <paramref name="server"/> now that closes last, or null.</summary>
    public async Task<OpenMaintenance?> OpenForAsync(ExchangeServerOptions server, CancellationToken cancellationToken)
    {
        if (server.InMaintenance)
        {
            return new OpenMaintenance("InMaintenance", $"server {server.Name}", null, "the server's InMaintenance setting");
        }

        var now = time.GetUtcNow();
        return (await AllAsync(cancellationToken))
            .Where(w => w.Covers(server))
            .Select(w => (Window: w, Open: w.OpenAt(now, Zone)))
            .Where(x => x.Open is not null)
            .OrderByDescending(x => x.Open!.Value.End)
            .Select(x => new OpenMaintenance(x.Window.Id!, x.Window.Target, x.Open!.Value.End, x.Window.Reason))
            .FirstOrDefault();
    }

    /// <summary>Schedules a window through the API: checked, given an ID, recorded with who scheduled it.</summary>
    public async Task<(MaintenanceWindow? Window, string? Problem)> ScheduleAsync(MaintenanceWindow window, string? by, CancellationToken cancellationToken)
    {
        if (window.Problem() is { } problem)
        {
            return (null, problem);
        }

        var known = topology.CurrentValue.Servers;
        if (!known.Exists(window.Covers))
        {
            return (null, $"{window.Target} matches no server in the configured topology.");
        }

        window.Id = $"mw-{Guid.NewGuid():N}"[..15];
        window.By = by;
        await store.SaveAsync(window, cancellationToken);
        return (window, null);
    }

    /// <summary>Removes a scheduled window (settings windows are changed in settings).</summary>
    public Task<bool> RemoveAsync(string id, CancellationToken cancellationToken) => store.RemoveAsync(id, cancellationToken);

    /// <summary>What GET /api/maintenance shows: each window, whether it is open now and when it next opens.</summary>
    public async Task<IReadOnlyList<MaintenanceView>> ViewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var servers = topology.CurrentValue.Servers;
        return [.. (await AllAsync(cancellationToken)).Select(w =>
        {
            var open = w.OpenAt(now, Zone);
            var removable = !w.Id!.StartsWith("settings-", StringComparison.Ordinal);
            return new MaintenanceView(w, open?.End, w.NextStart(now, Zone), Zone.Id, [.. servers.Where(w.Covers).Select(s => s.Name)], open?.Start, removable);
        })];
    }
}

/// <summary>One window as the API shows it.</summary>
/// <param name="Window">The window as written.</param>
/// <param name="OpenUntil">When it closes, if open now (UTC).</param>
/// <param name="NextStart">When it next opens (UTC).</param>
/// <param name="TimeZone">The zone its local times are in.</param>
/// <param name="Servers">The servers of the topology it covers (a DAG's members, a site's servers).</param>
/// <param name="OpenSince">When the occurrence open now began (UTC).</param>
/// <param name="Removable">Scheduled through the API, so DELETE ends it (settings windows are changed in settings).</param>
public sealed record MaintenanceView(MaintenanceWindow Window, DateTimeOffset? OpenUntil, DateTimeOffset? NextStart, string TimeZone, IReadOnlyList<string> Servers, DateTimeOffset? OpenSince, bool Removable);
