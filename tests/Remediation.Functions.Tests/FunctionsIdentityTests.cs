using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Monitoring;
using Remediation.Operators;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Functions.Tests;

/// <summary>
/// The Functions app's operator routes behind App Service Authentication: the client principal the platform injects
/// is read by the engine's code and gated by role exactly as on the standalone host; a header nobody validated (the
/// platform's authentication off) makes nobody signed in.
/// </summary>
public sealed class FunctionsIdentityTests
{
    [Fact]
    public async Task Every_operator_function_refuses_the_anonymous_and_the_wrong_role_and_a_forged_header_without_app_service_authentication()
    {
        await using var app = await FunctionsHarness.StartAsync(new RecordingSender(), new ScriptedReceiver([]));
        var operators = app.Services.GetRequiredService<OperatorAccess>();
        var durable = app.Services.GetRequiredService<DurableTaskClient>();
        var runs = new RunsApi(app.Services.GetRequiredService<RunsHttp>(), app.Services.GetRequiredService<HoldCommands>(), app.Services.GetRequiredService<Recovery.PlanPreviews>(), operators);
        var maintenance = new MaintenanceApi(app.Services.GetRequiredService<MaintenanceHttp>(), operators);
        var health = new HealthFunctions(app.Services.GetRequiredService<HealthApi>(), app.Services.GetRequiredService<History.HistoryHttp>(), operators, app.Services.GetRequiredService<UnresolvedSettings>());
        var dashboard = new DashboardFunction(operators);
        (string Name, string Role, Func<HttpRequest, Task<IResult>> Call)[] functions =
        [
            ("ApproveRun", "approver", r => runs.ApproveAsync(r, "nope", durable, default)),
            ("RejectRun", "approver", r => runs.RejectAsync(r, "nope", durable, default)),
            ("CancelRun", "operator", r => runs.CancelAsync(r, "nope", durable, default)),
            ("ReleaseRunHold", "operator", r => runs.ReleaseHoldAsync(r, "nope", default)),
            ("ScheduleMaintenance", "operator", r => maintenance.ScheduleAsync(r, default)),
            ("RemoveMaintenance", "operator", r => maintenance.RemoveAsync(r, "nope", default)),
            ("InvokeProbe", "operator", r => health.ProbeAsync(r, "GHOST", "IMAP", "ImapCTPProbe", default)),
            ("ListRuns", "reader", r => runs.ListAsync(r, durable, default)),
            ("GetRun", "reader", r => runs.GetAsync(r, "nope", durable, default)),
            ("RunsSummary", "reader", r => runs.SummaryAsync(r, default)),
            ("PreviewPlan", "reader", r => runs.PreviewPlanAsync(r, "EXMBX-GHOST", durable, default)),
            ("GetHealth", "reader", health.All),
            ("GetServerHealth", "reader", r => health.Server(r, "EXMBX-GHOST")),
            ("GetHealthReport", "reader", r => health.Report(r, null)),
            ("GetProbeHistory", "reader", r => health.HistoryAsync(r, "EXMBX-GHOST")),
            ("GetProbeStrips", "reader", health.StripsAsync),
            ("ListMaintenance", "reader", r => maintenance.ListAsync(r, default)),
            ("Dashboard", "reader", dashboard.RunAsync),
            ("Antiforgery", "reader", dashboard.AntiforgeryAsync),
        ];

        async Task<int> StatusAsync(Func<HttpRequest, Task<IResult>> call, HttpRequest request, string method)
        {
            request.Method = method;
            var result = await call(request);
            await result.ExecuteAsync(request.HttpContext);
            return request.HttpContext.Response.StatusCode;
        }

        HttpRequest Anonymous()
        {
            var context = new DefaultHttpContext { RequestServices = app.Services };
            context.Response.Body = new MemoryStream();
            return context.Request;
        }

        var wrong = new List<string>();
        foreach (var (name, role, call) in functions)
        {
            var method = role == "reader" ? "GET" : "POST";
            var lacking = role switch { "reader" => [], "approver" => new[] { "reader", "operator" }, _ => ["reader", "approver"] };
            var anonymous = await StatusAsync(call, Anonymous(), method);
            var forgedWithoutPlatform = await StatusAsync(r => new OperatorAccess(new ConfigurationBuilder().Build()).AsAsync(r, OperatorRole.Reader, _ => call(r)), app.SignedIn("Mallory", "oid-m", "operator", "approver", "reader"), method);
            var wrongRole = await StatusAsync(call, app.SignedIn("Wendy", "oid-w", lacking), method);
            var rightRole = await StatusAsync(call, app.SignedIn("Ray", "oid-r", role), method);
            if ((anonymous, forgedWithoutPlatform, wrongRole) != (401, 401, 403) || rightRole is 401 or 403)
            {
                wrong.Add($"{name}: anonymous {anonymous}, forged header {forgedWithoutPlatform}, wrong role {wrongRole}, {role} {rightRole}");
            }
        }

        Assert.Empty(wrong);

        // Every HTTP function of the app is in the table above, found by reflection: a new route nobody gated fails
        // here. Only the alert webhook (its function key; Azure Monitor's action group) and the liveness probe are open.
        var httpFunctions = typeof(RunsApi).Assembly.GetTypes().SelectMany(t => t.GetMethods())
            .Where(m => m.GetParameters().Any(p => p.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.HttpTriggerAttribute), false).Length > 0))
            .Select(m => ((Microsoft.Azure.Functions.Worker.FunctionAttribute)m.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), false).Single()).Name)
            .ToList();
        Assert.Equal(21, httpFunctions.Count);
        Assert.Equal(httpFunctions.Except(["Alerts", "Liveness"]).Order(StringComparer.Ordinal), functions.Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_cookie_signed_in_approval_without_the_anti_forgery_token_is_refused()
    {
        await using var app = await FunctionsHarness.StartAsync(new RecordingSender(), new ScriptedReceiver([]));
        var runs = new RunsApi(app.Services.GetRequiredService<RunsHttp>(), app.Services.GetRequiredService<HoldCommands>(), app.Services.GetRequiredService<Recovery.PlanPreviews>(), app.Services.GetRequiredService<OperatorAccess>());
        var request = app.SignedIn("Alice", "oid-alice", "approver");
        request.Headers.Authorization = default; // the browser's App Service session cookie: an ambient credential
        request.Method = "POST";

        var result = await runs.ApproveAsync(request, "nope", app.Services.GetRequiredService<DurableTaskClient>(), default);
        await result.ExecuteAsync(request.HttpContext);

        Assert.Equal(400, request.HttpContext.Response.StatusCode);
    }
}
