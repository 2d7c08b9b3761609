using Remediation.AgentApi;

namespace Remediation.Lab.Agent;

/// <summary>
/// Exchange's own maintenance switches on the lab's servers: component states as Get-ServerComponentState lists them
/// (every one Active until an administrator, or a test, sets one), as Microsoft's maintenance procedure sets them
/// (ServerWideOffline Inactive, ImapProxy Inactive).
/// </summary>
public sealed partial class LabOrganisation
{
    /// <summary>The components the lab's servers list (a subset of Exchange's, the ones that matter to IMAP).</summary>
    public static readonly string[] Components = ["ServerWideOffline", "HubTransport", "FrontendTransport", "ImapProxy", "PopProxy", "HighAvailability"];

    /// <summary>Set-ServerComponentState -Component -State (Active, Inactive, Draining).</summary>
    public void SetComponentState(string server, string component, string state)
    {
        lock (gate)
        {
            componentStates[(server.ToUpperInvariant(), component)] = state;
        }
    }

    /// <summary>
    /// Exchange's own probes on <paramref name="server"/> fail (Get-ServerHealth Unhealthy, Invoke-MonitoringProbe
    /// Failed) for a fault the lab's processes do not show: a back end that accepts connections and never answers,
    /// which the lab builds as a hole in front of this product's probe only. Without it, a probe that fails only
    /// through the hole is this product's problem, as it would be on Exchange.
    /// </summary>
    public void SetHealthProbesFailing(string server, bool failing)
    {
        lock (gate)
        {
            if (failing)
            {
                healthProbesFailing.Add(server);
            }
            else
            {
                healthProbesFailing.Remove(server);
            }
        }
    }

    /// <summary>True while <see cref="SetHealthProbesFailing"/> holds for <paramref name="server"/>.</summary>
    public bool HealthProbesFailing(string server)
    {
        lock (gate)
        {
            return healthProbesFailing.Contains(server);
        }
    }

    /// <summary>Get-ServerComponentState -Identity: every component with its state.</summary>
    public ServerComponentStates ComponentStates(string server)
    {
        lock (gate)
        {
            return new ServerComponentStates(server, [.. Components.Select(c => new ComponentState(c, componentStates.GetValueOrDefault((server.ToUpperInvariant(), c), "Active")))]);
        }
    }
}
