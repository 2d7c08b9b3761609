using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Remediation.Operators;
using Remediation.Topology;

namespace Remediation.Lab;

/// <summary>
/// Lab mode: the simulated organisation's real Dovecot processes, and the topology that points the engine at them.
/// </summary>
public static class LabMode
{
    /// <summary>The lab's folder (kept between runs so a killed host's Dovecot processes are found and stopped).</summary>
    public const string DirectoryKey = "Lab:Directory";

    /// <summary>Lab settings: the topology of the running lab, each mailbox back end trusted through the lab's own CA.</summary>
    public static Dictionary<string, string?> Settings(ImapLab lab)
    {
        // The loopback lab identity: the console works without an identity provider; the host refuses it on any other address.
        var settings = new Dictionary<string, string?> { ["Remediation:Identity:Mode"] = "Lab" };
        var i = 0;
        foreach (var mailbox in lab.Definition.MailboxServers)
        {
            Server(settings, i++, mailbox.Name, ServerRole.Mailbox, "BackEnd", lab.MailboxServers[mailbox.Name].ImapsPort, lab.Certificate.CaCertPath, mailbox, lab.Definition);
        }

        // Each CAS probes with the first mailbox server's probe mailbox.
        foreach (var (name, instance) in lab.ClientAccessServers)
        {
            Server(settings, i++, name, ServerRole.ClientAccess, "FrontEnd", instance.ImapsPort, lab.Certificate.CaCertPath, lab.Definition.MailboxServers[0], lab.Definition);
        }

        return settings;
    }

    /// <summary>
    /// Starts the lab agent (the real agent over HTTP on 127.0.0.1, acting on the lab organisation) with a fresh
    /// signing key, and returns the settings that point the engine at it.
    /// </summary>
    public static async Task<(WebApplication Agent, Dictionary<string, string?> Settings)> StartAgentAsync(ImapLab lab, string directory, IConfiguration configuration, CancellationToken cancellationToken)
    {
        const string keyId = "lab";
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var agent = Agent.LabAgent.Build(lab, builder =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                [$"Agent:Keys:{keyId}"] = key,
                ["Agent:AuditLogPath"] = Path.Combine(directory, "agent-audit.jsonl"),
                ["Agent:StatePath"] = Path.Combine(directory, "agent-state.db"),
                ["Logging:LogLevel:Default"] = configuration["Logging:LogLevel:Default"] ?? "Warning",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            };
            var i = 0;
            foreach (var instance in lab.Instances)
            {
                settings[string.Create(CultureInfo.InvariantCulture, $"Agent:ManagedServers:{i++}")] = instance.Name;
            }

            builder.Configuration.AddInMemoryCollection(settings);
        });
        await agent.StartAsync(cancellationToken);
        return (agent, new Dictionary<string, string?>
        {
            ["Remediation:Agent:BaseAddress"] = agent.Urls.First(),
            ["Remediation:Agent:KeyId"] = keyId,
            ["Remediation:Agent:Key"] = key,
        });
    }

    /// <summary>GET /lab, POST /lab/servers/{name}/stop (?hard=true for a crash) and /start: fault injection by hand.</summary>
    public static RouteGroupBuilder MapLab(this IEndpointRouteBuilder routes, ImapLab lab)
    {
        // Fault injection is an operator's act like any other: signed in (the lab identity) with the anti-forgery token.
        var group = routes.MapGroup("/lab").WithTags("Lab").RequireOperator(OperatorRole.Operator);
        group.MapGet("/", () => TypedResults.Ok(lab.Instances.Select(Describe)));
        group.MapPost("/servers/{name}/stop", async Task<Results<Ok<LabProcess>, NotFound<string>>> (string name, bool? hard) =>
        {
            if (Find(lab, name) is not { } instance)
            {
                return TypedResults.NotFound($"No lab server '{name}'.");
            }

            await instance.StopAsync(hard ?? false);
            return TypedResults.Ok(Describe(instance));
        });
        group.MapPost("/servers/{name}/start", async Task<Results<Ok<LabProcess>, NotFound<string>>> (string name, CancellationToken ct) =>
        {
            if (Find(lab, name) is not { } instance)
            {
                return TypedResults.NotFound($"No lab server '{name}'.");
            }

            await instance.StartAsync(ct);
            return TypedResults.Ok(Describe(instance));
        });
        return group;
    }

    /// <summary>A lab process as the lab API shows it.</summary>
    public sealed record LabProcess(string Server, bool Running, int? Pid, int ImapPort, int ImapsPort);

    static LabProcess Describe(DovecotInstance i) => new(i.Name, i.IsRunning, i.Pid, i.ImapPort, i.ImapsPort);

    static DovecotInstance? Find(ImapLab lab, string name) =>
        lab.Instances.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));

    // The lab's organisation puts DBn on the n-th mailbox server (LabOrganisation): the probe user's database.
    static string Database(LabMailboxServer mailbox, LabDefinition definition) =>
        string.Create(CultureInfo.InvariantCulture, $"DB{definition.MailboxServers.ToList().IndexOf(mailbox) + 1}");

    static void Server(Dictionary<string, string?> settings, int index, string name, ServerRole role, string endpoint, int port, string ca, LabMailboxServer mailbox, LabDefinition definition)
    {
        var at = string.Create(CultureInfo.InvariantCulture, $"{TopologyOptions.Section}:Servers:{index}");
        settings[$"{at}:Name"] = name;
        settings[$"{at}:Role"] = role.ToString();
        settings[$"{at}:Dag"] = role == ServerRole.Mailbox ? "DAG1" : null;
        settings[$"{at}:Site"] = "Lab";
        settings[$"{at}:{endpoint}:Host"] = "localhost";
        settings[$"{at}:{endpoint}:Port"] = port.ToString(CultureInfo.InvariantCulture);
        settings[$"{at}:{endpoint}:Security"] = nameof(ImapSecurity.Tls);
        settings[$"{at}:{endpoint}:TrustedCaFile"] = ca;
        settings[$"{at}:ProbeMailbox:User"] = mailbox.ProbeUser;
        settings[$"{at}:ProbeMailbox:Password"] = mailbox.ProbePassword;
        settings[$"{at}:ProbeMailbox:MailboxServer"] = mailbox.Name;
        settings[$"{at}:ProbeMailbox:Database"] = Database(mailbox, definition);
    }
}
