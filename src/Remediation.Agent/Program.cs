using Remediation.Agent;
using Remediation.Lab;

// --lab: act on a lab organisation of real Dovecot processes instead of Exchange.
await using var lab = args.Contains("--lab") ? await ImapLab.StartAsync(LabDefinition.Default) : null;
await using var app = AgentApp.Build(args, lab);
await app.RunAsync();

/// <summary>The agent's entry point (public for tests).</summary>
public partial class Program
{
}
