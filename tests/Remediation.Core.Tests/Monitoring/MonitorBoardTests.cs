using Microsoft.Extensions.Time.Testing;
using Remediation.Imap;
using Remediation.Monitoring;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.Monitoring;

public class MonitorBoardTests
{
    readonly FakeTimeProvider time = new(Start);

    MonitorBoard Board(int failures = 3, int successes = 2, double ratio = 0) =>
        new(time, Monitor(new MonitorOptions { ConsecutiveFailures = failures, SuccessesToRecover = successes, FailureRatio = ratio, Window = TimeSpan.FromMinutes(10), MinimumSamples = 4 }), new InMemoryMonitorStateStore());

    [Fact]
    public void A_flapping_monitor_turns_unhealthy_on_its_failure_ratio_and_recovers_only_below_it()
    {
        var board = Board(failures: 3, successes: 1, ratio: 0.5);
        var states = new List<HealthState>();
        foreach (var ok in new[] { false, true, false, true, false, true, true, true, true })
        {
            time.Advance(TimeSpan.FromMinutes(1));
            board.Record(Probe(ok));
            states.Add(Assert.Single(board.Snapshot()).AlertValue);
        }

        // Never three failures in a row. From the 4th sample the window counts: at half failed a success no longer
        // recovers it (4th), a failure makes it Unhealthy (5th), and it recovers once the ratio drops under half (7th).
        Assert.Equal(
            [HealthState.Degraded, HealthState.Healthy, HealthState.Degraded, HealthState.Degraded, HealthState.Unhealthy,
             HealthState.Unhealthy, HealthState.Healthy, HealthState.Healthy, HealthState.Healthy],
            states);
    }

    [Fact]
    public async Task Down_since_is_the_first_failed_probe_and_survives_repairing_while_the_transition_time_moves()
    {
        var board = Board(failures: 2, successes: 1);
        time.Advance(TimeSpan.FromMinutes(1));
        var firstFailure = time.GetUtcNow();
        board.Record(Probe(false) with { StartedAt = firstFailure }); // Degraded: the failure starts here
        time.Advance(TimeSpan.FromMinutes(1));
        board.Record(Probe(false) with { StartedAt = time.GetUtcNow() }); // Unhealthy
        time.Advance(TimeSpan.FromMinutes(3));
        await board.BeginRepairAsync("MBX1", default); // Repairing: the transition time moves, the failure does not

        var repairing = Assert.Single(ServerHealth.Query(board, null, null));
        Assert.Equal((HealthState.Repairing, time.GetUtcNow(), firstFailure), (repairing.AlertValue, repairing.LastTransitionTime, repairing.DownSince));

        time.Advance(TimeSpan.FromMinutes(1));
        board.Record(Probe(true) with { StartedAt = time.GetUtcNow() });
        await board.EndRepairAsync("MBX1", default);
        var recovered = Assert.Single(ServerHealth.Query(board, null, null));
        Assert.Equal((HealthState.Healthy, (DateTimeOffset?)null), (recovered.AlertValue, recovered.DownSince));

        // The next failure is a new one.
        time.Advance(TimeSpan.FromMinutes(1));
        board.Record(Probe(false) with { StartedAt = time.GetUtcNow() });
        Assert.Equal(time.GetUtcNow(), Assert.Single(ServerHealth.Query(board, null, null)).DownSince);
    }

    [Fact]
    public async Task A_monitor_still_unhealthy_after_its_run_alerts_again_after_a_growing_back_off()
    {
        var board = new MonitorBoard(time, Monitor(new MonitorOptions { ConsecutiveFailures = 1, RealertAfter = TimeSpan.FromMinutes(30) }), new InMemoryMonitorStateStore());
        Assert.True(board.Record(Probe(false))!.RaisesAlert);
        await board.BeginRepairAsync("MBX1", default);
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Null(board.Record(Probe(false)));
        await board.EndRepairAsync("MBX1", default); // the run escalated; the server is still broken

        var alerts = new List<int>();
        var nextSaid = new List<TimeSpan>();
        for (var minute = 1; minute <= 120; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            if (board.Record(Probe(false)) is { RaisesAlert: true, IsReminder: true })
            {
                alerts.Add(minute);
                // The health row says when the next one is due, as the board will decide it.
                nextSaid.Add(ServerHealth.Query(board, "MBX1", null).Single().NextAlertAt!.Value - time.GetUtcNow());
            }
        }

        // 30 minutes after the run ended, then 60 minutes after that.
        Assert.Equal([30, 90], alerts);
        Assert.Equal([TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(120)], nextSaid);
        time.Advance(TimeSpan.FromMinutes(1));
        board.Record(Probe(true));
        Assert.Equal((HealthState.Healthy, null, 0), (board.Snapshot()[0].AlertValue, board.Snapshot()[0].LastAlertAt, board.Snapshot()[0].Reminders));
    }

    [Fact]
    public async Task A_monitor_under_repair_raises_nothing_and_then_takes_the_state_its_samples_give()
    {
        var board = Board(failures: 1, successes: 1);
        board.Record(Probe(false));

        await board.BeginRepairAsync("mbx1", default);
        var duringRepair = board.Record(Probe(false));
        var stillRepairing = Assert.Single(board.Snapshot()).AlertValue;
        board.Record(Probe(true));
        await board.EndRepairAsync("MBX1", default);

        Assert.Null(duringRepair);
        Assert.Equal(HealthState.Repairing, stillRepairing);
        Assert.Equal(HealthState.Healthy, Assert.Single(board.Snapshot()).AlertValue);
    }

    [Fact]
    public async Task A_monitor_that_fails_while_its_server_is_under_repair_joins_the_repair_instead_of_alerting()
    {
        var board = Board(failures: 2, successes: 1);
        await board.BeginRepairAsync("MBX1", default); // a run opened for another monitor of MBX1

        board.Record(Probe(false, probe: ImapHealthModel.DeepTestProbe));
        var second = board.Record(Probe(false, probe: ImapHealthModel.DeepTestProbe));
        var during = Assert.Single(board.Snapshot()).AlertValue;
        var elsewhere = board.Record(Probe(false, server: "MBX2", probe: ImapHealthModel.DeepTestProbe));
        board.Record(Probe(false, server: "MBX2", probe: ImapHealthModel.DeepTestProbe));
        await board.EndRepairAsync("MBX1", default);

        Assert.Equal(HealthState.Repairing, during);
        Assert.Equal(HealthState.Repairing, second!.After.AlertValue);
        Assert.Null(second.After.LastAlertAt);
        Assert.Equal(HealthState.Degraded, elsewhere!.After.AlertValue);
        Assert.Equal(HealthState.Unhealthy, board.Find("MBX2", "ImapDeepTestMonitor")!.AlertValue);
        Assert.Equal(HealthState.Unhealthy, board.Find("MBX1", "ImapDeepTestMonitor")!.AlertValue); // still failing once the run ended
    }

    [Fact]
    public async Task Two_instances_count_one_failure_ratio_window()
    {
        // Each instance alone sees a monitor that fails one time in three; together it fails one time in two.
        var store = new SharedStore();
        var settings = Monitor(new MonitorOptions { ConsecutiveFailures = 10, SuccessesToRecover = 1, FailureRatio = 0.5, Window = TimeSpan.FromMinutes(10), MinimumSamples = 4 });
        MonitorBoard[] instances = [new(time, settings, store), new(time, settings, store)];
        var turn = 0;
        foreach (var ok in new[] { false, true, false, true, false })
        {
            time.Advance(TimeSpan.FromMinutes(1));
            var board = instances[turn++ % 2];
            await board.RefreshAsync(CancellationToken.None);
            board.Record(Probe(ok));
            await board.SaveAsync("MBX1", Assert.Single(board.Snapshot()).Name, CancellationToken.None);
        }

        await instances[1].RefreshAsync(CancellationToken.None);
        var shared = Assert.Single(instances[1].Snapshot());
        Assert.Equal(HealthState.Unhealthy, shared.AlertValue);
        Assert.Equal(5, shared.Samples!.Count);
    }

    [Fact]
    public void A_window_keeps_at_most_its_bound_and_none_while_the_ratio_rule_is_off()
    {
        var board = Board(failures: 1000, successes: 1, ratio: 0.9);
        for (var i = 0; i < MonitorBoard.MaxWindowSamples + 50; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            board.Record(Probe(true));
        }

        Assert.Equal(MonitorBoard.MaxWindowSamples, Assert.Single(board.Snapshot()).Samples!.Count);
        var off = Board();
        off.Record(Probe(false));
        Assert.Null(Assert.Single(off.Snapshot()).Samples);
    }

    /// <summary>One store two boards share, as two instances share a Table.</summary>
    sealed class SharedStore : IMonitorStateStore
    {
        readonly Dictionary<(string, string), MonitorSnapshot> rows = [];

        public Task<MonitorState> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(new MonitorState([.. rows.Values], null));

        public Task<MonitorState> LoadChangesAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

        public Task SaveAsync(MonitorSnapshot snapshot, CancellationToken cancellationToken)
        {
            rows[(snapshot.Server, snapshot.Name)] = snapshot;
            return Task.CompletedTask;
        }

        public async Task SaveAsync(IReadOnlyCollection<MonitorSnapshot> snapshots, CancellationToken cancellationToken)
        {
            foreach (var snapshot in snapshots)
            {
                await SaveAsync(snapshot, cancellationToken);
            }
        }

        public Task SetRepairingAsync(string server, bool repairing, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public void Old_samples_leave_the_window()
    {
        var board = Board(failures: 10, successes: 1, ratio: 0.5);
        foreach (var ok in new[] { false, false, false })
        {
            board.Record(Probe(ok));
        }

        time.Advance(TimeSpan.FromMinutes(11));
        var transition = board.Record(Probe(false));

        Assert.Null(transition); // one sample in the window: under the minimum, so still only Degraded
        Assert.Equal(HealthState.Degraded, Assert.Single(board.Snapshot()).AlertValue);
    }

    [Fact]
    public void First_failure_degrades_and_the_threshold_makes_it_unhealthy_once()
    {
        var board = Board(failures: 3);

        var first = board.Record(Probe(false));
        time.Advance(TimeSpan.FromMinutes(1));
        var second = board.Record(Probe(false));
        time.Advance(TimeSpan.FromMinutes(1));
        var third = board.Record(Probe(false));
        time.Advance(TimeSpan.FromMinutes(1));
        var fourth = board.Record(Probe(false));

        Assert.Equal(HealthState.Degraded, first!.After.AlertValue);
        Assert.Null(second);
        Assert.True(third!.BecameUnhealthy);
        Assert.Equal(Start.AddMinutes(2), third.After.LastTransitionTime);
        Assert.Null(fourth);
        var row = Assert.Single(board.Snapshot("mbx1"));
        Assert.Equal(("ImapSelfTestMonitor", "IMAP.Protocol", "MSExchangeIMAP4BE", 4), (row.Name, row.HealthSet, row.TargetResource, row.ConsecutiveFailures));
    }

    [Fact]
    public void Recovery_needs_the_configured_number_of_successes()
    {
        var board = Board(failures: 1, successes: 2);
        board.Record(Probe(false));

        var afterOne = board.Record(Probe(true));
        time.Advance(TimeSpan.FromSeconds(30));
        var afterTwo = board.Record(Probe(true));

        Assert.Null(afterOne);
        Assert.Equal(HealthState.Unhealthy, afterTwo!.Before.AlertValue);
        Assert.Equal(HealthState.Healthy, afterTwo.After.AlertValue);
        Assert.Equal(Start.AddSeconds(30), afterTwo.After.LastTransitionTime);
    }

    [Fact]
    public void A_success_between_failures_resets_the_count()
    {
        var board = Board(failures: 2, successes: 1);

        board.Record(Probe(false));
        board.Record(Probe(true));
        var transition = board.Record(Probe(false));

        Assert.Equal(HealthState.Degraded, transition!.After.AlertValue);
        Assert.False(transition.BecameUnhealthy);
    }

    [Fact]
    public void A_health_set_is_its_worst_monitor_since_that_monitors_transition()
    {
        var board = Board(failures: 2, successes: 1);
        board.Record(Probe(true, probe: "ImapDeepTestProbe"));
        time.Advance(TimeSpan.FromMinutes(5));
        board.Record(Probe(false));
        time.Advance(TimeSpan.FromMinutes(5));
        board.Record(Probe(false));
        board.Record(Probe(true, server: "CAS1", probe: "ImapCTPProbe"));

        var report = ServerHealth.Report(board, null);

        var protocol = report.Single(r => r.Server == "MBX1" && r.HealthSet == "IMAP.Protocol");
        Assert.Equal((HealthState.Unhealthy, Start.AddMinutes(10), 2), (protocol.State, protocol.LastTransitionTime, protocol.MonitorCount));
        Assert.Equal(HealthState.Healthy, report.Single(r => r.Server == "CAS1").State);
        Assert.Equal(2, report.Count);
    }

    [Fact]
    public void Servers_and_monitors_are_kept_apart()
    {
        var board = Board(failures: 1);

        board.Record(Probe(false, server: "MBX1"));
        board.Record(Probe(true, server: "MBX2"));

        Assert.Equal(HealthState.Unhealthy, Assert.Single(board.Snapshot("MBX1")).AlertValue);
        Assert.Equal(HealthState.Healthy, Assert.Single(board.Snapshot("MBX2")).AlertValue);
        Assert.Equal(2, board.Snapshot().Count);
    }
}
