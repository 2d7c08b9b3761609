using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Remediation.Imap;
using Remediation.Probes;

namespace Remediation.Monitoring;

/// <summary>
/// Every monitor's state, fed by probe results: Degraded on the first failure, Unhealthy after
/// <see cref="MonitorOptions.ConsecutiveFailures"/> (or once <see cref="MonitorOptions.FailureRatio"/> of the samples in
/// <see cref="MonitorOptions.Window"/> failed), Healthy again after <see cref="MonitorOptions.SuccessesToRecover"/> with
/// the ratio back under its limit. Shared through <see cref="IMonitorStateStore"/>: whatever decides something (a probe
/// cycle, a health answer, the safety gate) calls <see cref="RefreshAsync"/> first and every change is written back,
/// so instances of a scaled-out app (or hosts on one storage account) hold one view; the failure-ratio window travels
/// in the snapshot (<see cref="MonitorSnapshot.Samples"/>), so instances count one window too.
/// </summary>
public sealed class MonitorBoard(TimeProvider time, IOptionsMonitor<MonitorOptions> options, IMonitorStateStore store)
{
    readonly ConcurrentDictionary<(string Server, string Monitor), MonitorSnapshot> monitors = new();
    /// <summary>At most this many samples are kept in a window (a store row stays small whatever the schedule).</summary>
    public const int MaxWindowSamples = 200;

    readonly Lock gate = new();
    readonly HashSet<string> underRepair = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When <paramref name="monitor"/> alerts again on its own (see <see cref="MonitorOptions.NextAlertAt"/>).</summary>
    public DateTimeOffset? NextAlertAt(MonitorSnapshot monitor) => options.CurrentValue.NextAlertAt(monitor);

    /// <summary>Records a probe result on the monitor it feeds; returns the transition if the state changed.</summary>
    public MonitorTransition? Record(ProbeResult result) =>
        Record(result.Server, ImapHealthModel.MonitorOf(result.Probe), result.Succeeded, result);

    /// <summary>Records one sample of a monitor without a probe (the performance-counter monitors).</summary>
    public MonitorTransition? Record(string server, MonitorDefinition definition, bool healthy) => Record(server, definition, healthy, null);

    MonitorTransition? Record(string server, MonitorDefinition definition, bool succeeded, ProbeResult? result)
    {
        var key = (server.ToUpperInvariant(), definition.Name);
        var settings = options.CurrentValue;
        lock (gate)
        {
            var before = monitors.GetValueOrDefault(key)
                ?? new MonitorSnapshot(server, definition.Name, definition.HealthSet, definition.TargetResource, HealthState.Healthy, time.GetUtcNow(), 0, 0, null);
            var failures = succeeded ? 0 : before.ConsecutiveFailures + 1;
            var successes = succeeded ? before.ConsecutiveSuccesses + 1 : 0;
            var window = Window(before.Samples, succeeded, settings);
            var ratioExceeded = RatioExceeded(window, settings);
            var state = (before.AlertValue, succeeded) switch
            {
                (HealthState.Disabled or HealthState.Repairing, _) => before.AlertValue,
                // A monitor that fails while a run already works on its server joins the repair instead of alerting.
                (_, false) when failures >= settings.ConsecutiveFailures || ratioExceeded => underRepair.Contains(server) ? HealthState.Repairing : HealthState.Unhealthy,
                (_, false) => Max(before.AlertValue, HealthState.Degraded),
                (HealthState.Healthy, true) => HealthState.Healthy,
                (_, true) => successes >= settings.SuccessesToRecover && !ratioExceeded ? HealthState.Healthy : before.AlertValue,
            };
            var now = time.GetUtcNow();
            var becameUnhealthy = state == HealthState.Unhealthy && before.AlertValue != HealthState.Unhealthy;
            var reminder = state == HealthState.Unhealthy && !becameUnhealthy && settings.NextAlertAt(before) is { } due && now >= due;
            var after = before with
            {
                AlertValue = state,
                LastTransitionTime = state == before.AlertValue ? before.LastTransitionTime : now,
                ConsecutiveFailures = failures,
                ConsecutiveSuccesses = successes,
                LastResult = result ?? before.LastResult,
                LastAlertAt = becameUnhealthy || reminder ? now : state == HealthState.Healthy ? null : before.LastAlertAt,
                Reminders = reminder ? before.Reminders + 1 : becameUnhealthy || state == HealthState.Healthy ? 0 : before.Reminders,
                UpdatedAt = Later(now, before.UpdatedAt),
                Samples = window,
                LastSampleAt = now,
                DownSince = state == HealthState.Healthy ? null : before.DownSince ?? (succeeded ? null : result?.StartedAt ?? now),
            };
            monitors[key] = after;
            return state != before.AlertValue || reminder ? new MonitorTransition(before, after, reminder) : null;
        }
    }

    /// <summary>
    /// A run works on <paramref name="server"/>: its Unhealthy monitors show Repairing (and raise no new alert) until
    /// <see cref="EndRepairAsync"/>, on every instance.
    /// </summary>
    public async Task BeginRepairAsync(string server, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        lock (gate)
        {
            underRepair.Add(server);
        }

        await store.SetRepairingAsync(server, true, cancellationToken);
        await SaveAllAsync(Change(server, m => m.AlertValue == HealthState.Unhealthy, _ => HealthState.Repairing), cancellationToken);
    }

    /// <summary>
    /// The run ended: Repairing monitors take the state their latest samples give them. One still Unhealthy counts the
    /// run's end as its last alert: it alerts again after <see cref="MonitorOptions.RealertAfter"/> if it stays so.
    /// </summary>
    public async Task EndRepairAsync(string server, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        var threshold = options.CurrentValue.ConsecutiveFailures;
        lock (gate)
        {
            underRepair.Remove(server);
        }

        await store.SetRepairingAsync(server, false, cancellationToken);
        await SaveAllAsync(
            Change(server, m => m.AlertValue == HealthState.Repairing, m =>
                m.ConsecutiveFailures >= threshold ? HealthState.Unhealthy : m.ConsecutiveFailures > 0 ? HealthState.Degraded : HealthState.Healthy),
            cancellationToken);
    }

    /// <summary>Writes <paramref name="server"/>'s <paramref name="monitor"/> back to the shared store.</summary>
    public Task SaveAsync(string server, string monitor, CancellationToken cancellationToken) =>
        Find(server, monitor) is { } snapshot ? store.SaveAsync(snapshot, cancellationToken) : Task.CompletedTask;

    /// <summary>Writes a probe round's monitors to the shared store at once (Table storage: one transaction per server).</summary>
    public Task SaveAsync(IEnumerable<(string Server, string Monitor)> monitors, CancellationToken cancellationToken) =>
        store.SaveAsync([.. monitors.Distinct().Select(m => Find(m.Server, m.Monitor)).OfType<MonitorSnapshot>()], cancellationToken);

    /// <summary>
    /// Takes what other instances wrote: a stored monitor newer than this instance's copy replaces it; the servers under
    /// repair are the store's (when it keeps them).
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken) => Merge(await store.LoadAsync(cancellationToken));

    /// <summary>
    /// <see cref="RefreshAsync"/> reading only what changed since this instance's last read (and every repair): what
    /// health answers use; probe rounds and the safety gate read everything.
    /// </summary>
    public async Task RefreshChangesAsync(CancellationToken cancellationToken) => Merge(await store.LoadChangesAsync(cancellationToken));

    void Merge(MonitorState shared)
    {
        lock (gate)
        {
            foreach (var stored in shared.Monitors)
            {
                var key = (stored.Server.ToUpperInvariant(), stored.Name);
                if (!monitors.TryGetValue(key, out var mine) || (stored.UpdatedAt ?? DateTimeOffset.MinValue) > (mine.UpdatedAt ?? DateTimeOffset.MinValue))
                {
                    monitors[key] = stored;
                }
            }

            if (shared.Repairing is { } repairing)
            {
                underRepair.Clear();
                underRepair.UnionWith(repairing);
            }
        }
    }

    List<MonitorSnapshot> Change(string server, Func<MonitorSnapshot, bool> which, Func<MonitorSnapshot, HealthState> state)
    {
        var changed = new List<MonitorSnapshot>();
        lock (gate)
        {
            var now = time.GetUtcNow();
            foreach (var (key, snapshot) in monitors.Where(kv => string.Equals(kv.Key.Server, server, StringComparison.OrdinalIgnoreCase) && which(kv.Value)).ToList())
            {
                var next = state(snapshot);
                monitors[key] = snapshot with
                {
                    AlertValue = next,
                    LastTransitionTime = next == snapshot.AlertValue ? snapshot.LastTransitionTime : now,
                    LastAlertAt = next == HealthState.Unhealthy ? now : snapshot.LastAlertAt,
                    Reminders = next == HealthState.Unhealthy ? 0 : snapshot.Reminders,
                    UpdatedAt = Later(now, snapshot.UpdatedAt),
                    DownSince = next == HealthState.Healthy ? null : snapshot.DownSince,
                };
                changed.Add(monitors[key]);
            }
        }

        return changed;
    }

    async Task SaveAllAsync(List<MonitorSnapshot> changed, CancellationToken cancellationToken)
    {
        foreach (var snapshot in changed)
        {
            await store.SaveAsync(snapshot, cancellationToken);
        }
    }

    // Strictly after the version it replaces, even when two writes share a clock tick.
    static DateTimeOffset Later(DateTimeOffset now, DateTimeOffset? before) => before is { } b && b >= now ? b.AddTicks(1) : now;

    /// <summary>The state of <paramref name="monitor"/> on <paramref name="server"/>, or null before its first sample.</summary>
    public MonitorSnapshot? Find(string server, string monitor) => monitors.GetValueOrDefault((server.ToUpperInvariant(), monitor));

    /// <summary>Get-ServerHealth rows of one server (all servers when null).</summary>
    public IReadOnlyList<MonitorSnapshot> Snapshot(string? server = null) =>
        [.. monitors.Values
            .Where(m => server is null || string.Equals(m.Server, server, StringComparison.OrdinalIgnoreCase))
            .OrderBy(m => m.Server, StringComparer.OrdinalIgnoreCase).ThenBy(m => m.HealthSet, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal)];

    // The window after this sample: only kept while the ratio rule is on; oldest samples leave by age, then by count.
    List<MonitorSample>? Window(IReadOnlyList<MonitorSample>? before, bool ok, MonitorOptions settings)
    {
        if (settings.FailureRatio <= 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var kept = (before ?? []).Where(s => now - s.At <= settings.Window).Append(new MonitorSample(now, ok)).ToList();
        return kept.Count > MaxWindowSamples ? kept.GetRange(kept.Count - MaxWindowSamples, MaxWindowSamples) : kept;
    }

    static bool RatioExceeded(List<MonitorSample>? window, MonitorOptions settings) =>
        window is { Count: > 0 } && settings.FailureRatio > 0 && window.Count >= settings.MinimumSamples
            && window.Count(s => !s.Ok) >= settings.FailureRatio * window.Count;

    static HealthState Max(HealthState a, HealthState b) => a > b ? a : b;
}
