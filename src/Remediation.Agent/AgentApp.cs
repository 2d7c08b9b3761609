using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Remediation.Agent.Audit;
using Remediation.Agent.Lab;
using Remediation.Agent.Operations;
using Remediation.Agent.PowerShell;
using Remediation.Agent.Security;
using Remediation.Lab;

namespace Remediation.Agent;

/// <summary>The agent application: signature, audit, allow-lists and the Exchange routes over an executor.</summary>
public static class AgentApp
{
    /// <summary>Builds the agent. With <paramref name="lab"/>, operations act on the lab organisation instead of Exchange.</summary>
    public static WebApplication Build(string[] args, ImapLab? lab, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Host.UseWindowsService().UseSystemd();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        builder.Services.AddSingleton<ReplayGuard>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton<OperationGate>();
        if (lab is not null)
        {
            builder.Services.AddOptions<LabAgentOptions>().BindConfiguration(LabAgentOptions.Section);
            builder.Services.AddSingleton(new LabOrganisation(lab));
            builder.Services.AddSingleton<LabFaults>();
            builder.Services.AddSingleton<IExchangeExecutor, LabExchangeExecutor>();
        }
        else
        {
            builder.Services.AddOptions<PowerShellOptions>().BindConfiguration(PowerShellOptions.Section);
            builder.Services.AddSingleton<IExchangeExecutor, PowerShellExchangeExecutor>();
        }

        // Last, so a caller (tests) can add settings and decorate any service registered above.
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseMiddleware<AuditMiddleware>();
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseMiddleware<SignatureMiddleware>());
        app.MapGet("/healthz", () => Results.Ok("ok"));
        app.MapExchange();
        app.MapAudit();
        if (lab is not null)
        {
            app.MapLabFaults();
        }

        return app;
    }
}
