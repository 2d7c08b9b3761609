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

    /// <summary>Get-ServerComponentState -Identity: every component with its state.</summary>
    public ServerComponentStates ComponentStates(string server)
    {
        lock (gate)
        {
            return new ServerComponentStates(server, [.. Components.Select(c => new ComponentState(c, componentStates.GetValueOrDefault((server.ToUpperInvariant(), c), "Active")))]);
        }
    }
}
