using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Alerts;
using Remediation.Host;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>The entry orchestration on the embedded Durable engine, started by the real pump, probing real Dovecot.</summary>
public sealed class ImapRecoveryOrchestratorTests(LabFixture fixture) : IClassFixture<LabFixture>, IAsyncLifetime
{
    RemediationHost host = null!;

    T Get<T>() where T : notnull => host.App.Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        await fixture.HealAsync();
        host = await HostFactory.StartAsync(fixture.Lab, new Dictionary<string, string?> { ["Remediation:Monitors:ConsecutiveFailures"] = "1" });
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await fixture.HealAsync();
    }

    static Alert Alert(string id, string? monitor = "ImapSelfTestMonitor", string server = "MBX1") =>
        new(id, server, ImapHealthModel.ProtocolHealthSet, monitor, "Test", "from a test", DateTimeOffset.UnixEpoch);

    async Task<RunRecord> RunToCompletionAsync(Alert alert)
    {
        await Get<IAlertPublisher>().PublishAsync(alert, default);
        var pumped = await Get<AlertPump>().RunOnceAsync(default);
        Assert.Equal(1, pumped.Started);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var instance = await Get<DurableTaskClient>().WaitForInstanceCompletionAsync(RecoveryInstance.IdFor(alert.Server), getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        var runId = instance.ReadInputAs<RecoveryRequest>()!.RunId;
        var run = (await Get<IRunLedger>().GetAsync(runId, default))!;
        Assert.Equal(run.Outcome, instance.ReadOutputAs<RunOutcome>());
        Assert.Equal(run.Outcome.ToString(), instance.ReadCustomStatusAs<RunStatus>()!.CurrentStep);
        return run;
    }

    [Fact]
    public async Task A_probe_that_passes_again_ends_the_run_as_transient_touching_nothing()
    {
        var run = await RunToCompletionAsync(Alert("transient"));

        Assert.Equal(RunOutcome.Transient, run.Outcome);
        var step = Assert.Single(run.Steps);
        Assert.Equal(("Re-run probe", "Succeeded"), (step.Name, step.Outcome));
        Assert.Equal(@"Invoke-MonitoringProbe IMAP.Protocol\ImapSelfTestProbe -Server MBX1", step.Operation);
        Assert.Equal("MBX1", step.Arguments["Server"]);
        Assert.NotNull(run.EndedAt);
    }

    [Fact]
    public async Task A_probe_that_still_fails_escalates_with_the_failed_step_recorded()
    {
        await fixture.Mbx1.StopAsync();

        var run = await RunToCompletionAsync(Alert("still-failing"));

        Assert.Equal(RunOutcome.Escalated, run.Outcome);
        var step = Assert.Single(run.Steps);
        Assert.Equal("Failed", step.Outcome);
        Assert.Contains("Failed at Connect: Connection refused", step.Answer, StringComparison.Ordinal);
        Assert.Contains("ImapSelfTestMonitor is still failing", run.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_alert_without_a_monitor_asks_the_server_which_monitor_is_unhealthy()
    {
        await fixture.Mbx1.StopAsync();
        var board = Get<MonitorBoard>();
        board.Record(await Get<ProbeRunner>().RunAsync("MBX1", ImapHealthModel.SelfTestProbe, default));

        var run = await RunToCompletionAsync(Alert("no-monitor", monitor: null));

        Assert.Equal(["Read server health", "Re-run probe"], run.Steps.Select(s => s.Name));
        Assert.Equal("ImapSelfTestMonitor=Unhealthy", run.Steps[0].Answer);
        Assert.Equal(RunOutcome.Escalated, run.Outcome);
    }

    [Fact]
    public async Task An_alert_without_a_monitor_on_a_healthy_server_escalates_without_probing()
    {
        var run = await RunToCompletionAsync(Alert("nothing-unhealthy", monitor: null));

        Assert.Equal(RunOutcome.Escalated, run.Outcome);
        Assert.Equal("Read server health", Assert.Single(run.Steps).Name);
        Assert.Contains("no IMAP.Protocol monitor on MBX1 is Unhealthy", run.Reason, StringComparison.Ordinal);
    }
}
