using System.Net;
using Microsoft.DurableTask.Client;
using Remediation.Imap;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>Approvals are bound to their step: double clicks, stale and unnamed decisions are refused and change nothing.</summary>
[Collection(nameof(OrganisationCollection))]
public sealed class ApprovalTests(OrganisationFixture org) : IAsyncLifetime
{
    public Task InitializeAsync() => org.HealAsync();

    public Task DisposeAsync() => org.HealAsync();

    [Fact]
    public async Task A_double_click_approves_one_step_and_a_stale_or_unnamed_decision_never_approves_the_next()
    {
        // Playbook 3.1 with two approvals in a row: the server restart (asked before the drain), then the fail-over.
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "ServerRestart",
            ["Remediation:Recovery:ApprovalRequiredFor:1"] = "DatabaseFailover",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:01:00",
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync();
        org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));
        await host.StartAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));

        // The restart's approval, clicked twice at once.
        var restart = await host.WaitForApprovalRequestAsync("MBX1", "ServerRestart");
        var clicks = await Task.WhenAll(host.DecideAsync(restart), host.DecideAsync(restart));
        var failover = await host.WaitForApprovalRequestAsync("MBX1", "DatabaseFailover");

        // Now waiting for the fail-over: the restart's approval again, one with no step, and an event raised straight
        // into Durable (bypassing the API) for the old step.
        using var stale = await host.DecideAsync(restart);
        using var unnamed = await host.PostAsync($"api/runs/{failover.RunId}/approve", new { by = "ops-1" });
        using var empty = await host.PostAsync($"api/runs/{failover.RunId}/approve");
        await host.Get<DurableTaskClient>().RaiseEventAsync(RecoveryInstance.IdFor("MBX1"), RunEvents.Approval, new ApprovalDecision(true, "forged", null, "ServerRestart", restart.ApprovalStep));
        await Task.Delay(500);
        var stillWaiting = await host.WaitForApprovalRequestAsync("MBX1", "DatabaseFailover");
        var actionsWhileWaiting = await host.ActionsAsync(failover.RunId);

        using var approved = await host.DecideAsync(failover, "go");
        var run = await host.CompletedAsync("MBX1");

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], clicks.Select(c => c.StatusCode).Order());
        // The second click lost the claim, or came once the run had taken the first (which of the two is timing).
        Assert.Matches("was already decided|is not waiting for an approval now", await clicks.Single(c => c.StatusCode == HttpStatusCode.Conflict).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains($"Step {restart.ApprovalStep} of run '{restart.RunId}' (ServerRestart) was already decided (Approved by {PlaybookHarness.LabApprover})", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(failover.ApprovalStep, stillWaiting.ApprovalStep);
        Assert.DoesNotContain(actionsWhileWaiting, a => a.Operation == "SetDatabaseCopyActivation");
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Equal(
            [$"Approved by {PlaybookHarness.LabApprover}", $"Approved by {PlaybookHarness.LabApprover}: go"],
            run.Steps.Where(s => s.Name.StartsWith("Approval for:", StringComparison.Ordinal)).Select(s => s.Answer));
        clicks.ToList().ForEach(c => c.Dispose());
    }
}
