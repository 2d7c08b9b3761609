using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Remediation.Exchange;

/// <summary>The agent is not configured, so nothing can be done on Exchange.</summary>
public sealed class AgentNotConfiguredException()
    : InvalidOperationException("No on-premises agent is configured (Remediation:Agent:BaseAddress, KeyId, Key): Exchange cannot be reached.");

/// <summary>Hands out the agent client when an agent is configured, and says so clearly when it is not.</summary>
public sealed class AgentConnection(IServiceProvider services, IOptionsMonitor<AgentClientOptions> options)
{
    /// <summary>True when an agent is configured.</summary>
    public bool IsConfigured => options.CurrentValue.IsConfigured;

    /// <summary>The client; throws <see cref="AgentNotConfiguredException"/> when there is no agent.</summary>
    public ExchangeAgentClient Client() =>
        IsConfigured ? services.GetRequiredService<ExchangeAgentClient>() : throw new AgentNotConfiguredException();
}
