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

    /// <summary>Which organisation the lab plays: <c>Default</c> (separate mailbox and CAS servers) or <c>MultiRole</c>.</summary>
    public const string OrganisationKey = "Lab:Organisation";

    /// <summary>The lab definition <paramref name="name"/> (<see cref="OrganisationKey"/>) names; null or empty: the default.</summary>
    public static LabDefinition Definition(string? name) => name switch
    {
        null or "" => LabDefinition.Default,
        _ when string.Equals(name, nameof(LabDefinition.Default), StringComparison.OrdinalIgnoreCase) => LabDefinition.Default,
        _ when string.Equals(name, nameof(LabDefinition.MultiRole), StringComparison.OrdinalIgnoreCase) => LabDefinition.MultiRole,
        _ => throw new InvalidOperationException($"{OrganisationKey} '{name}' is not a lab organisation: use Default (mailbox servers MBX1, MBX2 and CAS servers CAS1, CAS2) or MultiRole (EX1 and EX2, each holding both roles)."),
    };

    /// <summary>Lab settings: the topology of the running lab, each mailbox back end trusted through the lab's own CA.</summary>
    public static Dictionary<string, string?> Settings(ImapLab lab)
    {
        // The loopback lab identity: the console works without an identity provider; the host refuses it on any other address.
        var settings = new Dictionary<string, string?> { ["Remediation:Identity:Mode"] = "Lab" };
        var i = 0;
        foreach (var name in lab.Definition.ServerNames)
        {
            var backEnd = lab.MailboxServers.GetValueOrDefault(name);
            var frontEnd = lab.ClientAccessServers.GetValueOrDefault(name);
            var role = (backEnd is null ? 0 : ServerRole.Mailbox) | (frontEnd is null ? 0 : ServerRole.ClientAccess);

            // A server probes with its own probe mailbox; a CAS-only server with the first mailbox server's.
            var mailbox = lab.Definition.MailboxServers.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? lab.Definition.MailboxServers[0];
            var at = string.Create(CultureInfo.InvariantCulture, $"{TopologyOptions.Section}:Servers:{i++}");
            settings[$"{at}:Name"] = name;
            settings[$"{at}:Role"] = role.ToString();
            settings[$"{at}:Dag"] = backEnd is null ? null : Agent.LabOrganisation.Dag;
            settings[$"{at}:Site"] = "Lab";
            Endpoint(settings, $"{at}:BackEnd", backEnd, lab.Certificate.CaCertPath);
            Endpoint(settings, $"{at}:FrontEnd", frontEnd, lab.Certificate.CaCertPath);
            settings[$"{at}:ProbeMailbox:User"] = mailbox.ProbeUser;
            settings[$"{at}:ProbeMailbox:Password"] = mailbox.ProbePassword;
            settings[$"{at}:ProbeMailbox:MailboxServer"] = mailbox.Name;
            settings[$"{at}:ProbeMailbox:Database"] = Database(mailbox, lab.Definition);
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
            foreach (var name in lab.Definition.ServerNames)
            {
                settings[string.Create(CultureInfo.InvariantCulture, $"Agent:ManagedServers:{i++}")] = name;
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

    /// <summary>
    /// GET /lab, POST /lab/servers/{name}/stop (?hard=true for a crash) and /start: fault injection by hand. A
    /// multi-role server's processes are stopped together unless <c>?service=MSExchangeIMAP4</c> (its proxy) or
    /// <c>MSExchangeIMAP4BE</c> (its back end) picks one.
    /// </summary>
    public static RouteGroupBuilder MapLab(this IEndpointRouteBuilder routes, ImapLab lab)
    {
        // Fault injection is an operator's act like any other: signed in (the lab identity) with the anti-forgery token.
        var group = routes.MapGroup("/lab").WithTags("Lab").RequireOperator(OperatorRole.Operator);
        group.MapGet("/", () => TypedResults.Ok(lab.Instances.Select(Describe)));
        group.MapPost("/servers/{name}/stop", async Task<Results<Ok<List<LabProcess>>, NotFound<string>>> (string name, string? service, bool? hard) =>
        {
            var instances = Find(lab, name, service);
            if (instances.Count == 0)
            {
                return TypedResults.NotFound(NotFound(name, service));
            }

            foreach (var instance in instances)
            {
                await instance.StopAsync(hard ?? false);
            }

            return TypedResults.Ok(instances.ConvertAll(Describe));
        });
        group.MapPost("/servers/{name}/start", async Task<Results<Ok<List<LabProcess>>, NotFound<string>>> (string name, string? service, CancellationToken ct) =>
        {
            var instances = Find(lab, name, service);
            if (instances.Count == 0)
            {
                return TypedResults.NotFound(NotFound(name, service));
            }

            foreach (var instance in instances)
            {
                await instance.StartAsync(ct);
            }

            return TypedResults.Ok(instances.ConvertAll(Describe));
        });
        return group;
    }

    /// <summary>A lab process as the lab API shows it: the server, the IMAP4 service it plays, and its process.</summary>
    public sealed record LabProcess(string Server, string Service, bool Running, int? Pid, int ImapPort, int ImapsPort);

    static LabProcess Describe(DovecotInstance i) => new(i.Name, i.Service, i.IsRunning, i.Pid, i.ImapPort, i.ImapsPort);

    static List<DovecotInstance> Find(ImapLab lab, string name, string? service) =>
        lab.Instances.Where(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase)
            && (service is null || string.Equals(i.Service, service, StringComparison.OrdinalIgnoreCase))).ToList();

    static string NotFound(string name, string? service) =>
        service is null ? $"No lab server '{name}'." : $"No lab server '{name}' running {service} (services: {string.Join(", ", Remediation.Imap.ImapServices.All)}).";

    // The lab's organisation puts DBn on the n-th mailbox server (LabOrganisation): the probe user's database.
    static string Database(LabMailboxServer mailbox, LabDefinition definition) =>
        string.Create(CultureInfo.InvariantCulture, $"DB{definition.MailboxServers.ToList().IndexOf(mailbox) + 1}");

    static void Endpoint(Dictionary<string, string?> settings, string at, DovecotInstance? instance, string ca)
    {
        if (instance is null)
        {
            return;
        }

        settings[$"{at}:Host"] = "localhost";
        settings[$"{at}:Port"] = instance.ImapsPort.ToString(CultureInfo.InvariantCulture);
        settings[$"{at}:Security"] = nameof(ImapSecurity.Tls);
        settings[$"{at}:TrustedCaFile"] = ca;
    }
}
