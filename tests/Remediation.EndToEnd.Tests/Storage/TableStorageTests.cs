using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Alerts;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Storage;

/// <summary>The run ledger and monitor state in Table storage (Azurite), and a host restart that keeps them.</summary>
public sealed class TableStorageTests(AzuriteFixture azurite, LabFixture lab) : IClassFixture<AzuriteFixture>, IClassFixture<LabFixture>, IAsyncLifetime
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    static readonly DateTimeOffset At = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => lab.HealAsync();

    public Task DisposeAsync() => lab.HealAsync();

    static Alert Alert(string id) => new(id, "MBX1", "IMAP.Protocol", "ImapSelfTestMonitor", "Test", null, At);

    static RunRecord Run(string id, DateTimeOffset at, string server = "MBX1") =>
        new(id, "imap-recovery-mbx1", server, "IMAP.Protocol", "ImapSelfTestMonitor", at, null, RunOutcome.Running, null, [], [Alert("a1")]);

    static RunStep Step(int sequence, StepOutcome outcome = StepOutcome.Failed) =>
        new(sequence, "Re-run probe", "Invoke-MonitoringProbe", new Dictionary<string, string> { ["Server"] = "MBX1" }, At, At, outcome, "answer");

    [Fact]
    public async Task The_table_ledger_keeps_the_same_idempotent_semantics_as_the_in_memory_one()
    {
        var ledger = await TableRunLedger.CreateAsync(new TableServiceClient(azurite.ConnectionString), $"t{Guid.NewGuid():N}"[..12], default);
        await ledger.RecordAlertAsync("r1", Alert("early"), default);
        await ledger.OpenAsync(Run("r1", At), default);
        await ledger.OpenAsync(Run("r1", At) with { Server = "OTHER" }, default);
        await ledger.AppendStepAsync("r1", Step(1), default);
        await ledger.AppendStepAsync("r1", Step(1, StepOutcome.Succeeded), default);
        await Task.WhenAll(Enumerable.Range(2, 8).Select(i => ledger.AppendStepAsync("r1", Step(i), default)));
        await ledger.RecordAlertAsync("r1", Alert("late"), default);
        await ledger.CloseAsync("r1", RunOutcome.Escalated, "first", At, default);
        await ledger.CloseAsync("r1", RunOutcome.Recovered, "second", At, default);
        await ledger.OpenAsync(Run("r2", At.AddHours(1)), default);
        await ledger.OpenAsync(Run("r3", At.AddHours(2), server: "MBX2"), default);

        var run = (await ledger.GetAsync("r1", default))!;
        var mbx1 = await ledger.ListAsync(new RunFilter("mbx1"), 10, default);

        Assert.Equal("MBX1", run.Server);
        Assert.Equal(Enumerable.Range(1, 9), run.Steps.Select(s => s.Sequence).Order());
        Assert.Equal(StepOutcome.Failed, run.Steps.Single(s => s.Sequence == 1).Outcome);
        Assert.Equal(["a1", "early", "late"], run.Alerts.Select(a => a.AlertId));
        Assert.Equal((RunOutcome.Escalated, "first"), (run.Outcome, run.Reason));
        Assert.Equal(["r2", "r1"], mbx1.Select(r => r.RunId));
        Assert.Equal(3, (await ledger.ListAsync(RunFilter.All, 10, default)).Count);
    }

    /// <summary>Two instances' monitor stores on one new table.</summary>
    async Task<(TableMonitorStateStore, TableMonitorStateStore)> TwoStoresOnOneTableAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"m{Guid.NewGuid():N}"[..12]);
        await table.CreateIfNotExistsAsync();
        return (new TableMonitorStateStore(table), new TableMonitorStateStore(table));
    }

    static MonitorSnapshot Snapshot(string server, string name, HealthState state, int minute) =>
        new(server, name, "IMAP.Protocol", "MSExchangeIMAP4BE", state, At.AddMinutes(minute), 0, 0, null, UpdatedAt: At.AddMinutes(minute));

    /// <summary>
    /// A probe round's save comes at the round's end, seconds after its probes: it must not overwrite what another
    /// instance wrote in between (a run marking the server Repairing). The save is conditional on the ETags last seen;
    /// on a conflict only the monitors this instance holds newer are written.
    /// </summary>
    [Fact]
    public async Task A_rounds_save_never_overwrites_a_newer_monitor_another_instance_wrote_meanwhile()
    {
        var (prober, runner) = await TwoStoresOnOneTableAsync();
        static MonitorSnapshot Monitor(string name, HealthState state, int minute) => Snapshot("MBX1", name, state, minute);

        await prober.SaveAsync([Monitor("ImapDeepTestMonitor", HealthState.Healthy, 0), Monitor("ImapSelfTestMonitor", HealthState.Healthy, 0)], default);
        await prober.LoadAsync(default);
        // While the prober's round runs, the run on another instance marks the deep test Repairing (minute 2).
        await runner.SaveAsync(Monitor("ImapDeepTestMonitor", HealthState.Repairing, 2), default);
        // The round ends: its samples were taken at minute 1.
        await prober.SaveAsync([Monitor("ImapDeepTestMonitor", HealthState.Unhealthy, 1), Monitor("ImapSelfTestMonitor", HealthState.Unhealthy, 1)], default);

        var stored = (await runner.LoadAsync(default)).Monitors.ToDictionary(m => m.Name);
        Assert.Equal(HealthState.Repairing, stored["ImapDeepTestMonitor"].AlertValue); // the newer one stands
        Assert.Equal(HealthState.Unhealthy, stored["ImapSelfTestMonitor"].AlertValue); // the round's own still written
    }

    /// <summary>
    /// A health answer reads only what changed: the first read takes every monitor, a read once nothing changed for
    /// longer than the overlap takes none, one monitor changed by another instance comes back alone; repairs are read
    /// whole every time, so one that ended (its row deleted) is seen to end.
    /// </summary>
    [Fact]
    public async Task A_health_read_takes_only_the_monitors_changed_since_and_every_repair()
    {
        var (prober, reader) = await TwoStoresOnOneTableAsync();
        static MonitorSnapshot Monitor(string server, string name, int minute) => Snapshot(server, name, HealthState.Healthy, minute);
        await prober.SaveAsync([.. Enumerable.Range(1, 20).SelectMany(i => new[] { Monitor($"MBX{i}", "ImapDeepTestMonitor", 0), Monitor($"MBX{i}", "ImapSelfTestMonitor", 0) })], default);
        await prober.SetRepairingAsync("MBX3", true, default);

        var first = await reader.LoadChangesAsync(default);
        // Rows written just before a read are read once more by the next (the overlap); after that, nothing.
        await Task.Delay(Remediation.Storage.ChangeHorizon.Overlap + TimeSpan.FromSeconds(1.5));
        await reader.LoadChangesAsync(default);
        var quiet = await reader.LoadChangesAsync(default);
        await prober.SaveAsync(Monitor("MBX7", "ImapSelfTestMonitor", 1), default);
        await prober.SetRepairingAsync("MBX3", false, default);
        var changed = await reader.LoadChangesAsync(default);

        Assert.Equal(40, first.Monitors.Count);
        Assert.Equal(["MBX3"], first.Repairing!);
        Assert.Empty(quiet.Monitors);
        Assert.Equal(("MBX7", "ImapSelfTestMonitor"), (Assert.Single(changed.Monitors).Server, changed.Monitors[0].Name));
        Assert.Empty(changed.Repairing!);
    }

    /// <summary>
    /// A storm before the run opens (its first activity not run yet), parked by two hosts at once: Table storage holds
    /// one bounded row for it, not a row per alert; the run opens with the first and last few and the exact count, and
    /// the parked row is gone.
    /// </summary>
    [Fact]
    public async Task Alerts_parked_before_a_run_opens_stay_bounded_and_are_counted_exactly()
    {
        var prefix = $"p{Guid.NewGuid():N}"[..12];
        var service = new TableServiceClient(azurite.ConnectionString);
        var a = await TableRunLedger.CreateAsync(service, prefix, default);
        var b = await TableRunLedger.CreateAsync(service, prefix, default);

        await Task.WhenAll(Enumerable.Range(0, 120).Select(i => (i % 2 == 0 ? a : b).RecordAlertAsync("r1", Alert($"storm-{i:000}"), default)));
        var pending = service.GetTableClient($"{prefix}runalerts");
        var parked = new List<TableEntity>();
        await foreach (var row in pending.QueryAsync<TableEntity>())
        {
            parked.Add(row);
        }

        await a.OpenAsync(Run("r1", At), default);
        var run = (await b.GetAsync("r1", default))!;
        var left = 0;
        await foreach (var row in pending.QueryAsync<TableEntity>())
        {
            left++;
        }

        Assert.Single(parked);
        Assert.Equal(121, run.AlertCount); // the run's own alert and the 120 parked
        Assert.Equal(RunAlerts.KeepFirst + RunAlerts.KeepLast, run.Alerts.Count);
        Assert.Equal("a1", run.Alerts[0].AlertId);
        Assert.Equal(0, left);
    }

    /// <summary>
    /// The run API's filters answered by Table storage's own query engine (Azurite) as the in-memory ledger answers
    /// them: 60 runs over three servers, two monitors, four outcomes and 60 hours; every filter the console sends.
    /// </summary>
    [Fact]
    public async Task The_table_ledger_filters_runs_by_server_outcome_monitor_and_time_as_the_in_memory_one()
    {
        var table = await TableRunLedger.CreateAsync(new TableServiceClient(azurite.ConnectionString), $"t{Guid.NewGuid():N}"[..12], default);
        var memory = new InMemoryRunLedger();
        RunOutcome[] outcomes = [RunOutcome.Running, RunOutcome.Recovered, RunOutcome.Escalated, RunOutcome.Transient];
        foreach (var ledger in new IRunLedger[] { table, memory })
        {
            for (var i = 0; i < 60; i++)
            {
                var run = Run($"r{i:00}", At.AddHours(i), server: $"MBX{i % 3 + 1}") with { Monitor = i % 2 == 0 ? "ImapSelfTestMonitor" : "ImapDeepTestMonitor" };
                await ledger.OpenAsync(run, default);
                if (outcomes[i % 4] != RunOutcome.Running)
                {
                    await ledger.CloseAsync(run.RunId, outcomes[i % 4], "test", At.AddHours(i).AddMinutes(5), default);
                }
            }
        }

        RunFilter[] filters =
        [
            RunFilter.All,
            new(Server: "mbx2"),
            new(Outcome: RunOutcome.Recovered),
            new(Outcome: RunOutcome.Running, Server: "MBX1"),
            new(Monitor: "imapdeeptestmonitor"),
            new(Since: At.AddHours(30)),
            new(Since: At.AddHours(10), StartedBefore: At.AddHours(20)),
            new(Server: "MBX3", Outcome: RunOutcome.Escalated, Monitor: "ImapSelfTestMonitor", Since: At.AddHours(5)),
            new(Outcome: RunOutcome.Cancelled),
        ];
        foreach (var filter in filters)
        {
            var expected = (await memory.ListAsync(filter, 1000, default)).Select(r => r.RunId).ToList();
            Assert.Equal(expected, (await table.ListAsync(filter, 1000, default)).Select(r => r.RunId).ToList());
            Assert.All(expected, id => Assert.True(filter.Matches(memory.GetAsync(id, default).Result!), $"{filter}: {id}"));
        }

        Assert.Equal(15, (await table.ListAsync(new RunFilter(Outcome: RunOutcome.Recovered), 1000, default)).Count);
        Assert.Equal(10, (await table.ListAsync(new RunFilter(Since: At.AddHours(10), StartedBefore: At.AddHours(20)), 1000, default)).Count);
    }

    /// <summary>
    /// Every open console asks for its range of runs every 2 s. Between changes that costs reading what changed, not
    /// every run of 30 days again; and a change another instance made (a run opened, a step, a close) is seen at the
    /// next ask. Bytes counted on the reader's own pipeline (the Table answers' bodies).
    /// </summary>
    [Fact]
    public async Task A_run_list_between_changes_reads_only_what_changed_and_sees_every_change_another_instance_made()
    {
        var prefix = $"k{Guid.NewGuid():N}"[..12];
        var counted = new ReadBytes();
        var options = new TableClientOptions();
        options.AddPolicy(counted, Azure.Core.HttpPipelinePosition.PerRetry);
        var writer = await TableRunLedger.CreateAsync(new TableServiceClient(azurite.ConnectionString), prefix, default);
        var reader = await TableRunLedger.CreateAsync(new TableServiceClient(azurite.ConnectionString, options), prefix, default);
        for (var i = 0; i < 50; i++)
        {
            await writer.OpenAsync(Run($"k{i:00}", At.AddMinutes(i)) with { Steps = [Step(1), Step(2), Step(3)] }, default);
        }

        var range = new RunFilter(Since: At);
        var before = counted.Bytes;
        Assert.Equal(50, (await reader.ListAsync(range, 100, default)).Count);
        var whole = counted.Bytes - before;
        // Rows written just before a read are read once more by the next (the overlap); after that, only changes.
        await Task.Delay(Remediation.Storage.ChangeHorizon.Overlap + TimeSpan.FromSeconds(1.5));
        await reader.ListAsync(range, 100, default);
        before = counted.Bytes;
        Assert.Equal(50, (await reader.ListAsync(range, 100, default)).Count);
        var quiet = counted.Bytes - before;

        await writer.AppendStepAsync("k07", Step(4, StepOutcome.Succeeded), default);
        await writer.CloseAsync("k08", RunOutcome.Recovered, "test", At.AddHours(1), default);
        await writer.OpenAsync(Run("k50", At.AddMinutes(50)), default);
        var changed = await reader.ListAsync(range, 100, default);

        Assert.True(quiet * 20 < whole, $"a quiet ask read {quiet} bytes, the whole range {whole}");
        Assert.Equal(51, changed.Count);
        Assert.Equal(4, changed.Single(r => r.RunId == "k07").Steps.Count);
        Assert.Equal(RunOutcome.Recovered, changed.Single(r => r.RunId == "k08").Outcome);
        Assert.Contains(changed, r => r.RunId == "k50");
        // A range further back than what is kept reads it whole, and agrees.
        Assert.Equal(
            (await writer.ListAsync(new RunFilter(Since: At.AddDays(-3)), 100, default)).Select(r => r.RunId),
            (await reader.ListAsync(new RunFilter(Since: At.AddDays(-3)), 100, default)).Select(r => r.RunId));
    }

    /// <summary>The bytes of every answer's body a client's pipeline received.</summary>
    sealed class ReadBytes : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        long bytes;

        public long Bytes => Interlocked.Read(ref bytes);

        public override void OnReceivedResponse(Azure.Core.HttpMessage message) =>
            Interlocked.Add(ref bytes, message.Response.ContentStream is { CanSeek: true } body ? body.Length : 0);
    }

    /// <summary>
    /// A busy night over real HTTP and Table storage: 150 runs, the two escalations the oldest. The newest page does not
    /// hold them; the outcome filter and the summary find them, because the API answers over every run it holds.
    /// </summary>
    [Fact]
    public async Task The_run_api_filters_and_counts_over_every_run_not_the_newest_page()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Remediation:Storage:ConnectionString"] = azurite.ConnectionString,
            ["Remediation:Storage:TablePrefix"] = $"q{Guid.NewGuid():N}"[..12],
        };
        await using var host = await HostFactory.StartAsync(lab.Lab, settings);
        var ledger = host.App.Services.GetRequiredService<IRunLedger>();
        var now = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < 150; i++)
        {
            var at = now.AddMinutes(-10 * (150 - i));
            var run = Run($"night-{i:000}", at, server: i % 2 == 0 ? "MBX1" : "CAS1") with { Alerts = [Alert($"a{i}") with { FailingSince = at.AddMinutes(-2) }] };
            await ledger.OpenAsync(run, default);
            await ledger.CloseAsync(run.RunId, i < 2 ? RunOutcome.Escalated : RunOutcome.Recovered, "test", at.AddMinutes(3), default);
        }

        using var http = await LabHttp.ClientAsync(host.Address);
        var newest = await http.GetFromJsonAsync<List<RunRecord>>("api/runs?top=100", Json);
        var escalated = await http.GetFromJsonAsync<List<RunRecord>>("api/runs?outcome=Escalated", Json);
        var since = Uri.EscapeDataString(now.AddDays(-2).ToString("o", System.Globalization.CultureInfo.InvariantCulture));
        var summary = await http.GetFromJsonAsync<JsonElement>($"api/runs-summary?since={since}&zone=Asia/Kolkata", Json);
        var mbx1 = await http.GetFromJsonAsync<JsonElement>($"api/runs-summary?server=mbx1&outcome=Recovered", Json);

        Assert.DoesNotContain(newest!, r => r.Outcome == RunOutcome.Escalated);
        Assert.Equal(["night-001", "night-000"], escalated!.Select(r => r.RunId));
        Assert.Equal((150, 148), (summary.GetProperty("runs").GetInt32(), summary.GetProperty("recovered").GetInt32()));
        Assert.Equal(300, summary.GetProperty("mttrSeconds").GetDouble(), precision: 3); // 2 minutes down before the run, 3 in it
        Assert.Equal("Asia/Kolkata", summary.GetProperty("timeZone").GetString());
        Assert.Equal(150, summary.GetProperty("days").EnumerateArray().Sum(d => d.GetProperty("outcomes").EnumerateObject().Sum(o => o.Value.GetInt32())));
        Assert.Equal(74, mbx1.GetProperty("runs").GetInt32());
        var lastDay = await http.GetFromJsonAsync<JsonElement>($"api/runs-summary?since={Uri.EscapeDataString(now.AddDays(-1).ToString("o", System.Globalization.CultureInfo.InvariantCulture))}", Json);
        Assert.Equal(144, lastDay.GetProperty("runs").GetInt32()); // 25 hours of runs, one every 10 minutes: the oldest 6 are older than a day

        // What cannot be read is named, with what it accepts.
        using var badZone = await http.GetAsync(new Uri("api/runs-summary?zone=Mars/Olympus", UriKind.Relative));
        using var badOutcome = await http.GetAsync(new Uri("api/runs?outcome=Fixed", UriKind.Relative));
        Assert.Equal((System.Net.HttpStatusCode.BadRequest, System.Net.HttpStatusCode.BadRequest), (badZone.StatusCode, badOutcome.StatusCode));
        Assert.Contains("zone must be a time zone ID", await badZone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("outcome must be one of Running", await badOutcome.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_host_still_knows_its_monitors_and_runs()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Remediation:Storage:ConnectionString"] = azurite.ConnectionString,
            ["Remediation:Storage:TablePrefix"] = $"h{Guid.NewGuid():N}"[..12],
            ["Remediation:Monitors:ConsecutiveFailures"] = "1",
        };
        ServerHealthRow before;
        string runId;
        await using (var first = await HostFactory.StartAsync(lab.Lab, settings))
        {
            await lab.Mbx1.StopAsync();
            await first.App.Services.GetRequiredService<ProbeCycle>().RunAsync(default);
            // The cycle's own alerts (MBX1's monitors, and CAS1's whose back end is gone) start the runs.
            await first.App.Services.GetRequiredService<AlertPump>().RunOnceAsync(default);
            runId = (await Recovery.PlaybookHarness.CompletedAsync(first, "MBX1")).RunId;

            // As the first host last saw it: the run's repair (Repairing, then back) is part of the monitor's story.
            before = ServerHealth.Query(first.App.Services.GetRequiredService<MonitorBoard>(), "MBX1", "IMAP.Protocol").Single(r => r.Name == "ImapSelfTestMonitor");
        }

        await using var second = await HostFactory.StartAsync(lab.Lab, settings);
        using var http = await LabHttp.ClientAsync(second.Address);
        var rows = await http.GetFromJsonAsync<List<ServerHealthRow>>("api/health/MBX1?healthSet=IMAP.Protocol", Json);
        var run = await http.GetFromJsonAsync<RunRecord>($"api/runs/{runId}", Json);
        using var strips = await http.GetAsync(new Uri("api/history", UriKind.Relative));
        Assert.StartsWith("in Table storage (", strips.Headers.GetValues("Remediation-History-Kept").Single(), StringComparison.Ordinal);

        var after = rows!.Single(r => r.Name == "ImapSelfTestMonitor");
        Assert.Equal((before.AlertValue, before.LastTransitionTime), (after.AlertValue, after.LastTransitionTime));
        Assert.Equal(runId, run!.RunId);
        Assert.NotEqual(RunOutcome.Running, run.Outcome);
        Assert.NotEmpty(run.Steps);
    }

    /// <summary>
    /// A scaled-out Functions app runs its probe timer on whichever instance holds the timer's lease, and answers health
    /// and safety questions on any: two engines on one storage account must count one monitor's failures together,
    /// answer the same health, and share a repair.
    /// </summary>
    [Fact]
    public async Task Two_engines_on_one_storage_account_count_together_answer_alike_and_share_a_repair()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Remediation:Storage:ConnectionString"] = azurite.ConnectionString,
            ["Remediation:Storage:TablePrefix"] = $"s{Guid.NewGuid():N}"[..12],
            ["Remediation:Monitors:ConsecutiveFailures"] = "3",
        };
        await using var a = await HostFactory.StartAsync(lab.Lab, settings);
        await using var b = await HostFactory.StartAsync(lab.Lab, settings);
        using var httpA = await LabHttp.ClientAsync(a.Address);
        using var httpB = await LabHttp.ClientAsync(b.Address);
        async Task<ServerHealthRow> SelfTestAsync(HttpClient http) =>
            (await http.GetFromJsonAsync<List<ServerHealthRow>>("api/health/MBX1?healthSet=IMAP.Protocol", Json))!.Single(r => r.Name == "ImapSelfTestMonitor");
        await lab.Mbx1.StopAsync();

        // The probe cycle moves between instances, as the timer does: A, B, A. Three failures in a row, counted together.
        await a.App.Services.GetRequiredService<ProbeCycle>().RunAsync(ProbeKinds.SelfTest, default);
        await b.App.Services.GetRequiredService<ProbeCycle>().RunAsync(ProbeKinds.SelfTest, default);
        var afterTwo = await SelfTestAsync(httpA);
        await a.App.Services.GetRequiredService<ProbeCycle>().RunAsync(ProbeKinds.SelfTest, default);
        var (seenByA, seenByB) = (await SelfTestAsync(httpA), await SelfTestAsync(httpB));

        // A run opened on A: B's next cycle sees the repair and raises nothing.
        await a.App.Services.GetRequiredService<MonitorBoard>().BeginRepairAsync("MBX1", default);
        await b.App.Services.GetRequiredService<ProbeCycle>().RunAsync(ProbeKinds.SelfTest, default);
        var repairingOnB = await SelfTestAsync(httpB);
        var alertsFromB = await b.App.Services.GetRequiredService<AlertPump>().RunOnceAsync(default);
        await b.App.Services.GetRequiredService<MonitorBoard>().EndRepairAsync("MBX1", default); // the run closed on B
        var afterRepairOnA = await SelfTestAsync(httpA);

        Assert.Equal(HealthState.Degraded, afterTwo.AlertValue);
        Assert.Equal(HealthState.Unhealthy, seenByA.AlertValue);
        Assert.Equal((seenByA.AlertValue, seenByA.LastTransitionTime), (seenByB.AlertValue, seenByB.LastTransitionTime));
        Assert.Equal(HealthState.Repairing, repairingOnB.AlertValue);
        Assert.Equal(0, alertsFromB.Received);
        Assert.Equal(HealthState.Unhealthy, afterRepairOnA.AlertValue);
    }
}
