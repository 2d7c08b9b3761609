using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Alerts;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Recovery;
using Remediation.Runs;

namespace Remediation.Functions.Tests;

/// <summary>The Functions app's functions, called directly over the same engine registration its Program.cs uses.</summary>
public sealed class FunctionTests
{
    static Alert Alert(string id, string server = "MBX1") =>
        new(id, server, ImapHealthModel.ProtocolHealthSet, "ImapSelfTestMonitor", "Probe", "down", TimeProvider.System.GetUtcNow());

    [Fact]
    public async Task The_probe_timer_publishes_a_service_bus_message_when_a_monitor_turns_unhealthy()
    {
        var sender = new RecordingSender();
        await using var app = await FunctionsHarness.StartAsync(sender, new ScriptedReceiver([]));
        await app.Lab.MailboxServers["MBX1"].StopAsync();

        var timer = new ProbeTimer(app.Services.GetRequiredService<ProbeCycle>());
        await timer.RunAsync(new TimerInfo(), default);
        static Alert Read(Azure.Messaging.ServiceBus.ServiceBusMessage m) => AlertJson.Deserialize(m.Body).Alert!;
        var afterLoginProbes = sender.Sent.Select(Read).Where(a => a.Server == "MBX1").Select(a => a.Monitor).ToList();
        await timer.RunSelfTestAsync(new TimerInfo(), default);

        var messages = sender.Sent.Where(m => Read(m).Server == "MBX1").ToList();
        Assert.Equal(["ImapDeepTestMonitor"], afterLoginProbes);
        Assert.Equal(["IMAP.Protocol", "IMAP.Protocol"], messages.Select(m => Read(m).HealthSet).Order());
        Assert.Equal(["ImapDeepTestMonitor", "ImapSelfTestMonitor"], messages.Select(m => Read(m).Monitor).Order());
        Assert.All(messages, m => Assert.StartsWith("probe:MBX1:", m.MessageId, StringComparison.Ordinal));
        Assert.All(messages, m => Assert.Equal("imap-health-alert", m.Subject));
    }

    [Fact]
    public async Task The_pump_starts_one_run_for_a_batch_of_duplicates_records_the_rest_and_dead_letters_what_it_cannot_handle()
    {
        var receiver = new ScriptedReceiver(
        [
            FunctionsHarness.Received(Alert("a1")),
            FunctionsHarness.Received(Alert("a2")),
            FunctionsHarness.Received(Alert("a3", server: "NOT-OURS")),
            Azure.Messaging.ServiceBus.ServiceBusModelFactory.ServiceBusReceivedMessage(BinaryData.FromString("{oops"), messageId: "junk"),
        ]);
        await using var app = await FunctionsHarness.StartAsync(new RecordingSender(), receiver);

        var result = await new AlertPumpTimer(app.Services).RunAsync(new TimerInfo(), app.Client, default);

        Assert.Equal((4, 1, 1, 2, 0), (result.Received, result.Started, result.Coalesced, result.DeadLettered, result.Abandoned));
        Assert.Equal(["complete a1", "complete a2", "dead-letter a3 UnknownServer", "dead-letter junk MalformedAlert"], receiver.Settled.Order());
        var instance = await app.Client.WaitForInstanceCompletionAsync(RecoveryInstance.IdFor("MBX1"), getInputsAndOutputs: true);
        var run = await app.Services.GetRequiredService<IRunLedger>().GetAsync(instance.ReadInputAs<RecoveryRequest>()!.RunId, default);
        Assert.Equal(["a1", "a2"], run!.Alerts.Select(a => a.AlertId));
    }

    [Theory]
    [InlineData("""{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"alertId":"am-1","alertRule":"IMAP.Protocol down","monitorCondition":"Fired","configurationItems":["mbx1.contoso.local"],"firedDateTime":"2026-11-27T02:58:24Z","description":"ImapDeepTestMonitor Unhealthy"}}}""", StatusCodes.Status202Accepted)]
    [InlineData("""{"AlertId":"scom-1","Name":"IMAP.Proxy health set unhealthy","MonitoringObjectName":"CAS1.contoso.local","Severity":"2","Description":"ImapProxyTestMonitor failed"}""", StatusCodes.Status202Accepted)]
    [InlineData("""{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"alertId":"am-2","monitorCondition":"Resolved"}}}""", StatusCodes.Status200OK)]
    [InlineData("""{"alertId":"x","server":"MBX1"}""", StatusCodes.Status400BadRequest)]
    public async Task The_webhook_accepts_real_payloads_and_refuses_malformed_ones(string body, int status)
    {
        var sender = new RecordingSender();
        await using var app = await FunctionsHarness.StartAsync(sender, new ScriptedReceiver([]));
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json"; // what Azure Monitor and SCOM send
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Response.Body = new MemoryStream();

        var result = await new AlertsWebhook(app.Services.GetRequiredService<AlertIntake>()).RunAsync(context.Request, default);
        await result.ExecuteAsync(context);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal(status == StatusCodes.Status202Accepted ? 1 : 0, sender.Sent.Count);
    }

    [Fact]
    public async Task The_health_and_probe_functions_answer_like_the_standalone_host()
    {
        await using var app = await FunctionsHarness.StartAsync(new RecordingSender(), new ScriptedReceiver([]));
        var functions = ActivatorUtilities.CreateInstance<HealthFunctions>(app.Services);

        async Task<(int Status, string Body)> ExecuteAsync(IResult result, string query = "")
        {
            var context = new DefaultHttpContext { RequestServices = app.Services };
            context.Response.Body = new MemoryStream();
            await result.ExecuteAsync(context);
            context.Response.Body.Position = 0;
            return (context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
        }

        HttpRequest Request(string query)
        {
            var request = app.SignedIn("Ada Operator", "oid-ada", "operator");
            request.QueryString = new QueryString(query);
            return request;
        }

        var probe = await ExecuteAsync(await functions.ProbeAsync(Request(""), "CAS1", "IMAP", "ImapCTPProbe", default));
        var rows = await ExecuteAsync(await functions.Server(Request("?healthSet=IMAP*"), "MBX1"));
        var badFilter = await ExecuteAsync(await functions.All(Request("?healthSet=IMAP;x")));
        var unknown = await ExecuteAsync(await functions.Server(Request(""), "GHOST"));

        Assert.Equal(200, probe.Status);
        Assert.Contains("\"result\":\"Succeeded\"", probe.Body, StringComparison.Ordinal);
        Assert.Equal(200, rows.Status);
        Assert.Equal(400, badFilter.Status);
        Assert.Contains("healthSet", badFilter.Body, StringComparison.Ordinal);
        Assert.Equal(404, unknown.Status);
    }

    [Fact]
    public async Task The_orchestrator_wrapper_produces_the_same_run_as_the_engines_orchestrator()
    {
        RecoveryFunctions? functions = null;
        await using var app = await FunctionsHarness.StartAsync(new RecordingSender(), new ScriptedReceiver([]), tasks: r =>
            r.AddOrchestratorFunc<RecoveryRequest, RunOutcome>("WrapperUnderTest", (context, _) => functions!.ImapRecoveryOrchestratorAsync(context)));
        functions = new RecoveryFunctions(app.Services);
        var settings = new RecoverySettings { DryRun = true, RecheckWait = TimeSpan.Zero, ApprovalTimeout = TimeSpan.FromMinutes(1), OtherRunWait = TimeSpan.FromMinutes(1), PollInterval = TimeSpan.FromSeconds(1), CopySettleWait = TimeSpan.FromMinutes(1), RestartWait = TimeSpan.FromMinutes(1), MaintenanceWait = TimeSpan.FromMinutes(1) };
        await app.Lab.MailboxServers["MBX1"].StopAsync();

        async Task<RunRecord> RunAsync(string orchestrator, string runId)
        {
            var request = new RecoveryRequest(runId, "MBX1", Topology.ServerRole.Mailbox, "IMAP.Protocol", "ImapSelfTestMonitor", Alert(runId), settings);
            var id = await app.Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, request, new StartOrchestrationOptions($"test-{runId}"));
            await app.Client.WaitForInstanceCompletionAsync(id);
            return (await app.Services.GetRequiredService<IRunLedger>().GetAsync(runId, default))!;
        }

        var engine = await RunAsync(nameof(ImapRecoveryOrchestrator), "engine");
        var wrapper = await RunAsync("WrapperUnderTest", "wrapper");

        Assert.Equal(engine.Outcome, wrapper.Outcome);
        Assert.Equal(engine.Steps.Select(s => (s.Name, s.Operation, s.Outcome)), wrapper.Steps.Select(s => (s.Name, s.Operation, s.Outcome)));
        Assert.Contains(engine.Steps, s => s.Outcome == StepOutcome.DryRun);
    }

    [Fact]
    public async Task The_functions_dashboard_cannot_be_framed_either()
    {
        await using var app = await FunctionsHarness.StartAsync(new RecordingSender(), new ScriptedReceiver([]));
        var request = app.SignedIn("Rita Reader", "oid-rita", "reader");

        var result = await new DashboardFunction(app.Services.GetRequiredService<OperatorAccess>()).RunAsync(request);

        Assert.Contains("frame-ancestors 'none'", request.HttpContext.Response.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
        Assert.Equal(Dashboard.DashboardPage.ContentSecurityPolicy, request.HttpContext.Response.Headers.ContentSecurityPolicy.ToString());
        Assert.Equal("DENY", request.HttpContext.Response.Headers.XFrameOptions.ToString());
        Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult>(result);
    }
}
