using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Remediation.Agent.Audit;
using Remediation.Agent.Operations;
using Remediation.Agent.PowerShell;
using Remediation.Agent.Security;

namespace Remediation.Agent;

/// <summary>The agent application: signature, audit, allow-lists and the Exchange routes over an executor.</summary>
public static partial class AgentApp
{
    [LoggerMessage(LogLevel.Critical, "{Refusal} Stopping.")]
    static partial void LogRefusedTransport(ILogger logger, string refusal);

    /// <summary>
    /// Builds the agent over Exchange (the PowerShell SDK). <paramref name="configure"/> runs last, so a caller (the lab,
    /// tests) can add settings and register its own <see cref="IExchangeExecutor"/>; <paramref name="map"/> adds routes,
    /// behind the same signature check and audit as every other route under /api.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Host.UseWindowsService().UseSystemd();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = SignatureMiddleware.MaxBodyBytes);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        builder.Services.AddSingleton<State.AgentState>();
        builder.Services.AddSingleton<ReplayGuard>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton<OperationGate>();
        builder.Services.AddOptions<PowerShellOptions>().BindConfiguration(PowerShellOptions.Section);

        // Last, so a caller can add settings and replace or decorate any service registered above.
        configure?.Invoke(builder);
        builder.Services.TryAddSingleton<IExchangeExecutor, PowerShellExchangeExecutor>();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseMiddleware<AuditMiddleware>();
        // Inside the signature: an unexpected error's 500 is signed too, so the engine can tell it from a forged answer.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseMiddleware<SignatureMiddleware>().UseExceptionHandler());
        app.MapGet("/healthz", () => Results.Ok("ok"));
        app.MapExchange();
        app.MapAudit();
        map?.Invoke(app);

        // Plain HTTP only on loopback: checked on the addresses really bound, whatever configured them.
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (AgentTransport.Refusal(app.Urls) is { } refusal)
            {
                LogRefusedTransport(app.Logger, refusal);
                app.Lifetime.StopApplication();
            }
        });
        return app;
    }
}
