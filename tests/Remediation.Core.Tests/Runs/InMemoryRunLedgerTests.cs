using Remediation.Runs;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.Runs;

public class InMemoryRunLedgerTests
{
    static RunRecord Run(string id = "r1", string server = "MBX1", DateTimeOffset? at = null) =>
        new(id, "imap-recovery-mbx1", server, "IMAP.Protocol", "ImapSelfTestMonitor", at ?? Start, null, RunOutcome.Running, null, [], [Alert("a1")]);

    static RunStep Step(int sequence, StepOutcome outcome = StepOutcome.Failed) =>
        new(sequence, "Re-run probe", "Invoke-MonitoringProbe", new Dictionary<string, string>(), Start, Start, outcome, null);

    [Fact]
    public async Task Retried_writes_change_nothing_the_second_time()
    {
        var ledger = new InMemoryRunLedger();
        await ledger.OpenAsync(Run(), default);
        await ledger.OpenAsync(Run() with { Server = "OTHER" }, default);
        await ledger.AppendStepAsync("r1", Step(1), default);
        await ledger.AppendStepAsync("r1", Step(1, StepOutcome.Succeeded), default);
        await ledger.CloseAsync("r1", RunOutcome.Escalated, "first", Start, default);
        await ledger.CloseAsync("r1", RunOutcome.Recovered, "second", Start, default);

        var run = (await ledger.GetAsync("R1", default))!;

        Assert.Equal("MBX1", run.Server);
        Assert.Equal(StepOutcome.Failed, Assert.Single(run.Steps).Outcome);
        Assert.Equal((RunOutcome.Escalated, "first"), (run.Outcome, run.Reason));
    }

    [Fact]
    public async Task A_storm_before_and_after_the_run_opens_keeps_the_first_and_last_alerts_and_counts_them_all()
    {
        var ledger = new InMemoryRunLedger();
        for (var i = 0; i < 300; i++)
        {
            await ledger.RecordAlertAsync("r1", Alert($"early-{i}"), default);
        }

        await ledger.OpenAsync(Run(), default);
        for (var i = 0; i < 700; i++)
        {
            await ledger.RecordAlertAsync("r1", Alert($"late-{i}"), default);
        }

        var run = (await ledger.GetAsync("r1", default))!;

        Assert.Equal(1001, run.AlertCount);
        Assert.Equal(["a1", "early-0", "early-1", "early-2", "early-3", "late-695", "late-696", "late-697", "late-698", "late-699"], run.Alerts.Select(a => a.AlertId));
    }

    [Fact]
    public async Task Alerts_recorded_before_the_run_opens_are_kept_once()
    {
        var ledger = new InMemoryRunLedger();
        await ledger.RecordAlertAsync("r1", Alert("a2"), default);
        await ledger.RecordAlertAsync("r1", Alert("a2"), default);
        await ledger.OpenAsync(Run(), default);
        await ledger.RecordAlertAsync("r1", Alert("a3"), default);

        var run = (await ledger.GetAsync("r1", default))!;

        Assert.Equal(["a1", "a2", "a3"], run.Alerts.Select(a => a.AlertId));
    }

    [Fact]
    public async Task Lists_running_runs_first_then_newest()
    {
        var ledger = new InMemoryRunLedger();
        await ledger.OpenAsync(Run("old", at: Start), default);
        await ledger.OpenAsync(Run("new", at: Start.AddHours(1)), default);
        await ledger.OpenAsync(Run("done", at: Start.AddHours(2)), default);
        await ledger.CloseAsync("done", RunOutcome.Transient, "ok", Start.AddHours(2), default);
        await ledger.OpenAsync(Run("other", server: "MBX2", at: Start.AddMinutes(30)), default);

        var all = await ledger.ListAsync(RunFilter.All, 10, default);
        var mbx1 = await ledger.ListAsync(new RunFilter("mbx1"), 2, default);

        Assert.Equal(["new", "other", "old", "done"], all.Select(r => r.RunId));
        Assert.Equal(["new", "old"], mbx1.Select(r => r.RunId));
    }

    [Fact]
    public async Task Writing_to_a_run_that_was_never_opened_is_an_error()
    {
        var ledger = new InMemoryRunLedger();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.AppendStepAsync("ghost", Step(1), default));

        Assert.Contains("ghost", error.Message, StringComparison.Ordinal);
    }
}
