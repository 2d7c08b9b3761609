using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Remediation.Imap;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Recovery;

/// <summary>An escalation reaches the webhook channel with the whole timeline.</summary>
[Collection(nameof(OrganisationCollection))]
public sealed class EscalationTests(OrganisationFixture org) : IAsyncLifetime
{
    readonly List<JsonDocument> received = [];
    readonly List<JsonDocument> cards = [];
    WebApplication receiver = null!;

    public async Task InitializeAsync()
    {
        await org.HealAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        receiver = builder.Build();
        // Each hook keeps what it receives (Teams' workflow answers 202, a plain webhook 200).
        static Delegate Keep(List<JsonDocument> into, IResult answer) => async (HttpRequest request) =>
        {
            var body = await JsonDocument.ParseAsync(request.Body);
            lock (into)
            {
                into.Add(body);
            }

            return answer;
        };
        receiver.MapPost("/hooks/imap", Keep(received, Results.Ok()));
        receiver.MapPost("/hooks/teams", Keep(cards, Results.Accepted()));
        await receiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await receiver.DisposeAsync();
        received.ForEach(d => d.Dispose());
        cards.ForEach(d => d.Dispose());
        await org.HealAsync();
    }

    [Fact]
    public async Task Teams_gets_the_approval_request_and_then_the_escalation_as_adaptive_cards_with_deep_links()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Escalation:TeamsWorkflowUrl"] = $"{receiver.Urls.First()}/hooks/teams",
            ["Remediation:Escalation:ConsoleUrl"] = "https://console.contoso.test/",
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "RestartService",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:00:02",
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));

        // Nobody answered in time: the run escalates without acting, and Teams heard of both moments.
        run.AssertOutcome(RunOutcome.Escalated);
        Assert.Equal(2, cards.Count);
        var approval = cards[0].RootElement.GetProperty("attachments")[0];
        var escalation = cards[1].RootElement.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", approval.GetProperty("contentType").GetString());
        var approvalCard = approval.GetProperty("content");
        Assert.Equal("1.5", approvalCard.GetProperty("version").GetString());
        Assert.Equal("Approval needed: RestartService on MBX1", approvalCard.GetProperty("body")[0].GetProperty("text").GetString());
        var step = run.Steps.Single(s => s.Name.StartsWith("Approval for:", StringComparison.Ordinal)).Sequence;
        Assert.Equal($"https://console.contoso.test/#run={run.RunId}&step={step}", approvalCard.GetProperty("actions")[0].GetProperty("url").GetString());
        var escalationCard = escalation.GetProperty("content");
        Assert.Contains("MBX1 Escalated", escalationCard.GetProperty("body")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(escalationCard.GetProperty("body")[2].GetProperty("items").EnumerateArray(), i => i.GetProperty("text").GetString()!.Contains("Approval for: Restart MSExchangeIMAP4BE: TimedOut", StringComparison.Ordinal));
        Assert.Equal("teams delivered.", run.Escalation);
        Assert.Empty(await host.ActionsAsync(run.RunId));
    }

    [Fact]
    public async Task A_run_that_automation_cannot_finish_is_sent_to_the_webhook_with_its_timeline()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Escalation:WebhookUrl"] = $"{receiver.Urls.First()}/hooks/imap",
            ["Remediation:Throttles:RestartService:ServerMaxPerDay"] = "0",
        });
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));

        run.AssertOutcome(RunOutcome.Throttled);
        var sent = Assert.Single(received).RootElement;
        Assert.Equal(run.RunId, sent.GetProperty("runId").GetString());
        Assert.Equal("Throttled", sent.GetProperty("outcome").GetString());
        Assert.Equal(run.Steps.Count, sent.GetProperty("steps").GetArrayLength());
        Assert.Equal("webhook delivered.", run.Escalation);
        Assert.Contains("refused by the throttle", sent.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_escalation_is_mailed_even_when_the_webhook_is_unreachable_and_the_outcome_stays()
    {
        var deadWebhook = $"http://127.0.0.1:{Lab.FreePort.Next()}/hooks/imap"; // nothing listens there
        var port = Lab.FreePort.Next();
        var smtpd = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3", ["-u", "-m", "smtpd", "-n", "-c", "DebuggingServer", $"127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var mail = new System.Text.StringBuilder();
        smtpd.OutputDataReceived += (_, e) => { lock (mail) { mail.AppendLine(e.Data); } };
        smtpd.BeginOutputReadLine();
        smtpd.BeginErrorReadLine();
        try
        {
            for (var i = 0; i < 100 && !Lab.FreePort.IsListening(port); i++)
            {
                await Task.Delay(50); // Python's own SMTP server (smtpd, standard library), started fresh for this test
            }

            await using var host = await org.StartHostAsync(new Dictionary<string, string?>
            {
                ["Remediation:Escalation:WebhookUrl"] = deadWebhook,
                ["Remediation:Escalation:Smtp:Host"] = "127.0.0.1",
                ["Remediation:Escalation:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Remediation:Escalation:Smtp:Security"] = "None",
                ["Remediation:Escalation:Smtp:From"] = "imap-remediation@contoso.com",
                ["Remediation:Escalation:Smtp:To:0"] = "exchange-oncall@contoso.com",
                ["Remediation:Throttles:RestartService:ServerMaxPerDay"] = "0",
            });
            await org.Lab.MailboxServers["MBX1"].StopAsync();

            var run = await host.RunAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));

            run.AssertOutcome(RunOutcome.Throttled);
            string text;
            lock (mail)
            {
                text = mail.ToString();
            }

            Assert.Contains("Subject: [IMAP remediation] Throttled on MBX1: ImapDeepTestMonitor", text, StringComparison.Ordinal);
            Assert.Contains($"Run {run.RunId} on MBX1 ended Throttled.", text, StringComparison.Ordinal);
            Assert.Contains("exchange-oncall@contoso.com", text, StringComparison.Ordinal);
            Assert.StartsWith("webhook FAILED (HttpRequestException", run.Escalation, StringComparison.Ordinal);
            Assert.EndsWith("e-mail delivered.", run.Escalation, StringComparison.Ordinal);
        }
        finally
        {
            smtpd.Kill(entireProcessTree: true);
            await smtpd.WaitForExitAsync();
            smtpd.Dispose();
        }
    }


    [Fact]
    public async Task A_recovered_run_is_not_escalated()
    {
        await using var host = await org.StartHostAsync(new Dictionary<string, string?> { ["Remediation:Escalation:WebhookUrl"] = $"{receiver.Urls.First()}/hooks/imap" });
        await org.Lab.MailboxServers["MBX1"].StopAsync();

        var run = await host.RunAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));

        run.AssertOutcome(RunOutcome.Recovered);
        Assert.Empty(received);
    }
}
