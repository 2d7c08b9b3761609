using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Exchange;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Topology;

namespace Remediation.Functions.Tests;

/// <summary>
/// The worker's container as Program.cs builds it. In Development the host validates every registration when it
/// builds the provider (<c>ValidateOnBuild</c>, <c>ValidateScopes</c>), and <c>func start</c> runs in Development: a
/// registration the container cannot make killed the worker at start for every developer (issue #27: AlertPump took a
/// DurableTaskClient, which reaches the worker only through [DurableClient]).
/// </summary>
public sealed class WorkerStartTests
{
    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public void The_worker_builds_its_services_in_every_environment(string environment)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Environment.EnvironmentName = environment;
        Worker.Configure(builder);
        var development = environment == "Development";

        using var provider = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = development });

        Assert.NotNull(provider);
    }

    [Fact]
    public async Task Unresolved_key_vault_references_leave_a_degraded_worker_that_names_them_probes_nothing_that_needs_them_and_starts_no_run()
    {
        // What App Service passes when a secret is missing: the reference itself (the template's own references).
        static string Reference(string secret) => $"@Microsoft.KeyVault(VaultName=kv-imaprem;SecretName={secret})";
        var receiver = new ScriptedReceiver([FunctionsHarness.Received(new Alert("waiting-1", "CAS1", ImapHealthModel.ImapHealthSet, "ImapCTPMonitor", "Test", "down", TimeProvider.System.GetUtcNow()))]);
        await using var app = await FunctionsHarness.StartAsync(new RecordingSender(), receiver, more: new Dictionary<string, string?>
        {
            ["Remediation:Agent:BaseAddress"] = "https://agent.contoso.local:8443/",
            ["Remediation:Agent:KeyId"] = "engine",
            ["Remediation:Agent:Key"] = Reference("agent-signing-key"),
            ["Remediation:Agent:CertificateThumbprints:0"] = Reference("agent-certificate-thumbprint"),
            ["Remediation:Topology:Servers:0:ProbeMailbox:Password"] = Reference("probe-mbx1"),
            ["Remediation:Escalation:WebhookUrl"] = Reference("escalation-webhook-url"),
            ["Remediation:Escalation:TeamsWorkflowUrl"] = Reference("teams-workflow-url"),
            ["Remediation:Escalation:Smtp:Host"] = "smtp.contoso.local",
            ["Remediation:Escalation:Smtp:From"] = "imap-remediation@contoso.com",
            ["Remediation:Escalation:Smtp:To:0"] = "exchange-oncall@contoso.com",
            ["Remediation:Escalation:Smtp:Password"] = Reference("smtp-password"),
        });

        // Options validate (the worker would have exited here), and the health check names each setting, not its value.
        _ = app.Services.GetRequiredService<IOptions<AgentClientOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<TopologyOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Escalation.EscalationOptions>>().Value;
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Response.Body = new MemoryStream();
        await ActivatorUtilities.CreateInstance<HealthFunctions>(app.Services).Liveness(context.Request).ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var health = await JsonDocument.ParseAsync(context.Response.Body);

        // MBX1 (its probe password is missing) is not probed; CAS1 is. No alert is taken: no run could act.
        var probed = await app.Services.GetRequiredService<ProbeCycle>().RunAsync(ProbeKinds.Login, default);
        var pumped = await new AlertPumpTimer(app.Services).RunAsync(new TimerInfo(), app.Client, default);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("Degraded", health.RootElement.GetProperty("status").GetString());
        Assert.Equal(
            [
                "Remediation:Agent:CertificateThumbprints:0", "Remediation:Agent:Key", "Remediation:Escalation:Smtp:Password", "Remediation:Escalation:TeamsWorkflowUrl",
                "Remediation:Escalation:WebhookUrl", "Remediation:Topology:Servers:0:ProbeMailbox:Password",
            ],
            health.RootElement.GetProperty("unresolved").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("SecretName", health.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(probed, r => r.Server == "MBX1");
        Assert.Contains(probed, r => r.Server == "CAS1");
        Assert.Equal((0, 0), (pumped.Received, pumped.Started));
        Assert.Empty(receiver.Settled);
    }
}
