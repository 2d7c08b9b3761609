using Microsoft.Extensions.DependencyInjection.Extensions;
using Remediation.Agent;
using Remediation.Agent.Operations;

namespace Remediation.Lab.Agent;

/// <summary>The real agent (same signature checks, allow-lists and audit) acting on the lab organisation instead of Exchange.</summary>
public static class LabAgent
{
    /// <summary>
    /// Builds the lab agent over <paramref name="lab"/>: the lab executor, fault injection (<see cref="LabFaults"/>, signed
    /// routes under /api/v1/lab) and the agent's own settings. <paramref name="configure"/> runs last (tests decorate).
    /// </summary>
    public static WebApplication Build(ImapLab lab, Action<WebApplicationBuilder>? configure = null) =>
        AgentApp.Build([], builder =>
        {
            // The lab's servers are Dovecot processes: the disruptive operations are on (production agents opt in).
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Agent:AllowServerRestart"] = "true", ["Agent:AllowDrain"] = "true" });
            builder.Services.AddOptions<LabAgentOptions>().BindConfiguration(LabAgentOptions.Section);
            builder.Services.AddSingleton(sp => new LabOrganisation(lab, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<LabAgentOptions>>().Value));
            builder.Services.AddSingleton<LabFaults>();
            builder.Services.TryAddSingleton<IExchangeExecutor, LabExchangeExecutor>();
            configure?.Invoke(builder);
        }, app => app.MapLabFaults());
}
