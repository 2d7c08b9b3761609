using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Alerts;
using Remediation.Host;
using Remediation.Imap;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>
/// The pump against the embedded Durable engine. MBX1's back end is a black hole here, so each run stays
/// Running for the probe timeout: long enough to send it more alerts.
/// </summary>
public sealed class AlertPumpTests(LabFixture fixture) : IClassFixture<LabFixture>, IAsyncLifetime
{
    readonly TcpTroublemaker hole = new(reset: false);
    RemediationHost host = null!;

    T Get<T>() where T : notnull => host.App.Services.GetRequiredService<T>();

    public async Task InitializeAsync() => host = await HostFactory.StartAsync(fixture.Lab, new Dictionary<string, string?>
    {
        ["Remediation:Topology:Servers:0:BackEnd:Port"] = hole.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Remediation:Topology:Servers:0:BackEnd:Security"] = "None",
        ["Remediation:Probes:Timeout"] = "00:00:03",
    });

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        hole.Dispose();
    }

    static Alert Alert(string id, string server = "MBX1", DateTimeOffset? raisedAt = null) =>
        new(id, server, ImapHealthModel.ProtocolHealthSet, "ImapSelfTestMonitor", "Test", null, raisedAt ?? TimeProvider.System.GetUtcNow());

    async Task<RunRecord> CompletedRunAsync(string server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var instance = await Get<DurableTaskClient>().WaitForInstanceCompletionAsync(RecoveryInstance.IdFor(server), getInputsAndOutputs: true, timeout.Token);
        return (await Get<IRunLedger>().GetAsync(instance.ReadInputAs<RecoveryRequest>()!.RunId, default))!;
    }

    [Fact]
    public async Task Alerts_for_a_server_under_remediation_are_recorded_on_its_run_not_started_again()
    {
        var publisher = Get<IAlertPublisher>();
        var pump = Get<AlertPump>();
        await publisher.PublishAsync(Alert("first"), default);
        var first = await pump.RunOnceAsync(default);
        await publisher.PublishAsync(Alert("second"), default);
        await publisher.PublishAsync(Alert("third"), default);
        await publisher.PublishAsync(Alert("second"), default); // an action group retry: dropped by duplicate detection

        var second = await pump.RunOnceAsync(default);
        var run = await CompletedRunAsync("MBX1");

        Assert.Equal((1, 1, 0), (first.Received, first.Started, first.Coalesced));
        Assert.Equal((2, 0, 2), (second.Received, second.Started, second.Coalesced));
        Assert.Equal(["first", "second", "third"], run.Alerts.Select(a => a.AlertId));
        Assert.Single(await Get<IRunLedger>().ListAsync(new RunFilter("MBX1"), 10, default));
        Assert.Equal(StepOutcome.TimedOut, run.Steps[0].Outcome);

        // No agent is configured for this host: the playbook cannot act, and says exactly why.
        run.AssertOutcome(RunOutcome.Failed);
        Assert.Contains("No on-premises agent is configured", run.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_alert_received_before_the_last_run_ended_is_recorded_on_it_and_a_later_one_starts_a_new_run()
    {
        var publisher = Get<IAlertPublisher>();
        var pump = Get<AlertPump>();
        await publisher.PublishAsync(Alert("incident"), default);
        await pump.RunOnceAsync(default);

        // The storm's tail: received while the run was going, handled only after it ended (a pump that was behind).
        await publisher.PublishAsync(Alert("late"), default);
        var ended = await CompletedRunAsync("MBX1");
        var late = await pump.RunOnceAsync(default);
        await publisher.PublishAsync(Alert("new failure"), default);
        var fresh = await pump.RunOnceAsync(default);
        var next = await CompletedRunAsync("MBX1");

        Assert.Equal((0, 1), (late.Started, late.Coalesced));
        Assert.Equal(["incident", "late"], (await Get<IRunLedger>().GetAsync(ended.RunId, default))!.Alerts.Select(a => a.AlertId));
        Assert.Equal((1, 0), (fresh.Started, fresh.Coalesced));
        Assert.NotEqual(ended.RunId, next.RunId);
        Assert.Equal(["new failure"], next.Alerts.Select(a => a.AlertId));
    }

    [Fact]
    public async Task A_back_dated_alert_posted_with_a_fresh_one_cannot_swallow_it_into_the_ended_run()
    {
        var publisher = Get<IAlertPublisher>();
        var pump = Get<AlertPump>();
        var before = TimeProvider.System.GetUtcNow();
        await publisher.PublishAsync(Alert("incident"), default);
        await pump.RunOnceAsync(default);
        var ended = await CompletedRunAsync("MBX1");

        // Claims to have been raised during the last run (or a day ago): the sender's clock decides nothing.
        await publisher.PublishAsync(Alert("back-dated", raisedAt: before.AddDays(-1)), default);
        await publisher.PublishAsync(Alert("fresh"), default);
        var result = await pump.RunOnceAsync(default);
        var next = await CompletedRunAsync("MBX1");

        Assert.Equal((1, 1), (result.Started, result.Coalesced));
        Assert.NotEqual(ended.RunId, next.RunId);
        Assert.Equal(["back-dated", "fresh"], next.Alerts.Select(a => a.AlertId));
        Assert.Equal(["incident"], (await Get<IRunLedger>().GetAsync(ended.RunId, default))!.Alerts.Select(a => a.AlertId));
    }

    [Fact]
    public async Task Five_thousand_alerts_on_one_server_leave_its_run_record_and_the_run_list_small()
    {
        var publisher = Get<IAlertPublisher>();
        var pump = Get<AlertPump>();
        for (var i = 0; i < 5000; i++)
        {
            await publisher.PublishAsync(Alert($"storm-{i:D4}"), default);
        }

        var received = 0;
        while (received < 5000)
        {
            var pass = await pump.RunOnceAsync(default);
            Assert.NotEqual(0, pass.Received);
            received += pass.Received;
        }

        var run = await CompletedRunAsync("MBX1");
        using var http = await LabHttp.ClientAsync(host.Address);
        using var response = await http.GetAsync(new Uri("api/runs", UriKind.Relative));
        var list = await response.Content.ReadAsByteArrayAsync();
        using var poll = new HttpRequestMessage(HttpMethod.Get, new Uri("api/runs", UriKind.Relative));
        poll.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var unchanged = await http.SendAsync(poll);
        using var nextPage = await http.GetAsync(new Uri($"api/runs?before={Uri.EscapeDataString(run.StartedAt.ToString("O"))}", UriKind.Relative));

        Assert.Equal(5000, run.AlertCount);
        Assert.Equal(RunAlerts.KeepFirst + RunAlerts.KeepLast, run.Alerts.Count);
        Assert.Equal(["storm-0000", "storm-0001", "storm-0002", "storm-0003", "storm-0004"], run.Alerts.Take(5).Select(a => a.AlertId));
        Assert.Equal("storm-4999", run.Alerts[^1].AlertId);

        // The bound: one run with ten alerts and its steps is a few kilobytes, whatever the storm; a poll while nothing
        // changed costs no body at all, and the next page (runs started before this one) is empty.
        Assert.InRange(list.Length, 1, 16 * 1024);
        Assert.Equal(System.Net.HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal("[]", await nextPage.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Two_pumps_at_once_start_one_run_per_server()
    {
        var publisher = Get<IAlertPublisher>();
        for (var i = 0; i < 6; i++)
        {
            await publisher.PublishAsync(Alert($"storm-{i}"), default);
        }

        var queue = Get<IAlertQueue>();
        var results = await Task.WhenAll(
            ActivatorUtilities.CreateInstance<AlertPump>(host.App.Services, new SplitQueue(queue, 3)).RunOnceAsync(default),
            ActivatorUtilities.CreateInstance<AlertPump>(host.App.Services, new SplitQueue(queue, 3)).RunOnceAsync(default));
        var run = await CompletedRunAsync("MBX1");

        Assert.Equal(6, results.Sum(r => r.Received));
        Assert.Equal(1, results.Sum(r => r.Started));
        Assert.Equal(5, results.Sum(r => r.Coalesced));
        Assert.Equal(6, run.Alerts.Count);
        Assert.Equal(6, run.AlertCount);
    }

    [Fact]
    public async Task Malformed_alerts_and_unknown_servers_are_dead_lettered_with_a_reason()
    {
        var queue = Get<InProcessAlertQueue>();
        await queue.SendAsync("junk", BinaryData.FromString("{\"alertId\":\"junk\"}"), default);
        await queue.PublishAsync(Alert("stranger", server: "NOT-OURS"), default);

        var result = await Get<AlertPump>().RunOnceAsync(default);

        Assert.Equal((2, 0, 2), (result.Received, result.Started, result.DeadLettered));
        Assert.Equal(
            ["MalformedAlert: server is missing.", "UnknownServer: Server 'NOT-OURS' is not in the configured topology."],
            queue.DeadLetters.Select(d => $"{d.Reason}: {d.Description}"));
        Assert.Equal(0, queue.Count);
    }

    /// <summary>Hands each pump a part of the batch, as two Functions instances would get from Service Bus.</summary>
    [Fact]
    public async Task A_timeout_in_a_pump_pass_is_logged_and_the_host_goes_on_pumping()
    {
        // An HttpClient timeout surfaces as TaskCanceledException, an OperationCanceledException that is not the host
        // stopping: it used to leave ExecuteAsync, and a BackgroundService exception stops the whole host.
        var queue = new TimingOutQueue();
        var pump = ActivatorUtilities.CreateInstance<AlertPump>(host.App.Services, queue);
        var options = new FixedOptionsMonitor<AlertPumpOptions>(new AlertPumpOptions { Interval = TimeSpan.FromMilliseconds(20) });
        using var worker = new Remediation.Host.Workers.AlertPumpWorker(pump, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Remediation.Host.Workers.AlertPumpWorker>.Instance);

        await worker.StartAsync(default);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (queue.Calls < 3)
        {
            await Task.Delay(20, patience.Token);
        }

        Assert.False(worker.ExecuteTask!.IsCompleted);
        await worker.StopAsync(default);
        Assert.True(worker.ExecuteTask.IsCompletedSuccessfully);
    }

    sealed class TimingOutQueue : IAlertQueue
    {
        int calls;

        public int Calls => Volatile.Read(ref calls);

        public Task<IReadOnlyList<QueuedAlert>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.");
        }

        public Task CompleteAsync(QueuedAlert message, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task AbandonAsync(QueuedAlert message, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeadLetterAsync(QueuedAlert message, string reason, string description, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    sealed class FixedOptionsMonitor<T>(T value) : Microsoft.Extensions.Options.IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    sealed class SplitQueue(IAlertQueue inner, int take) : IAlertQueue
    {
        public Task<IReadOnlyList<QueuedAlert>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken) =>
            inner.ReceiveAsync(take, maxWait, cancellationToken);

        public Task CompleteAsync(QueuedAlert message, CancellationToken cancellationToken) => inner.CompleteAsync(message, cancellationToken);

        public Task AbandonAsync(QueuedAlert message, CancellationToken cancellationToken) => inner.AbandonAsync(message, cancellationToken);

        public Task DeadLetterAsync(QueuedAlert message, string reason, string description, CancellationToken cancellationToken) =>
            inner.DeadLetterAsync(message, reason, description, cancellationToken);
    }
}
