using Remediation.Agent;

// The production agent: Exchange through the PowerShell SDK. There is no lab switch: the lab agent is built by
// src/Remediation.Lab from the same AgentApp, and this binary cannot become it.
await using var app = AgentApp.Build(args);
await app.RunAsync();

/// <summary>The agent's entry point (public for tests).</summary>
public partial class Program
{
}
