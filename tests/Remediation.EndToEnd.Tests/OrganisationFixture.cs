using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Remediation.AgentApi;
using Remediation.Host;
using Remediation.Lab;
using Remediation.Lab.Agent;

namespace Remediation.EndToEnd.Tests;

/// <summary>
/// The whole lab organisation: two mailbox servers in a DAG and a CAS (real Dovecot), and the real agent over real
/// HTTP in front of it. Hosts started by tests talk to this agent with a signed key.
/// </summary>
public sealed class OrganisationFixture : IAsyncLifetime
{
    const string KeyId = "engine";
    readonly string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    string directory = "";

    public ImapLab Lab { get; private set; } = null!;

    public WebApplication Agent { get; private set; } = null!;

    public LabOrganisation Organisation => Agent.Services.GetRequiredService<LabOrganisation>();

    public LabFaults Faults => Agent.Services.GetRequiredService<LabFaults>();

    public async Task InitializeAsync()
    {
        directory = LabRoot.NewDirectory("org");
        Lab = await ImapLab.StartAsync(LabDefinition.Default, Path.Combine(directory, "lab"));
        Agent = LabAgent.Build(Lab, builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            [$"Agent:Keys:{KeyId}"] = key,
            ["Agent:ManagedServers:0"] = "MBX1",
            ["Agent:ManagedServers:1"] = "MBX2",
            ["Agent:ManagedServers:2"] = "CAS1",
            ["Agent:ManagedServers:3"] = "CAS2",
            ["Agent:AuditLogPath"] = Path.Combine(directory, "audit.jsonl"),
            ["Agent:StatePath"] = Path.Combine(directory, "agent-state.db"),
            ["Agent:OperationTimeout"] = "00:00:02",
            ["Agent:ExecutionLimit"] = "00:00:20",
            ["Agent:Lab:BootDelay"] = "00:00:00.100",

            // As on Exchange, IMAP4 comes back after the OS: a run that re-probes on "the OS answers" fails.
            ["Agent:Lab:ImapStartDelay"] = "00:00:00.500",

            // As on Exchange (slower there), a fail-over is not instant: runs must wait for the copies to settle.
            ["Agent:Lab:MoveDuration"] = "00:00:01",
        }));
        await Agent.StartAsync();
    }

    /// <summary>Settings that point a host at this agent.</summary>
    public Dictionary<string, string?> HostSettings(IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Remediation:Agent:BaseAddress"] = Agent.Urls.First(),
            ["Remediation:Agent:KeyId"] = KeyId,
            ["Remediation:Agent:Key"] = key,
            ["Remediation:Recovery:RecheckWait"] = "00:00:00.200",
            ["Remediation:Recovery:PollInterval"] = "00:00:00.200",
            ["Remediation:Recovery:RestartWait"] = "00:00:06",
            // 1,500 looks of 200 ms: within RecoverySettings.MaxLooksPerWait (45 minutes of them would not be).
            ["Remediation:Recovery:OtherRunWait"] = "00:05:00",
        };
        foreach (var (k, v) in more ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        return settings;
    }

    public Task<RemediationHost> StartHostAsync(IDictionary<string, string?>? more = null) => HostFactory.StartAsync(Lab, HostSettings(more));

    /// <summary>Puts the organisation back as it started: no faults, every process up, activation on, logging off.</summary>
    public async Task HealAsync()
    {
        Faults.Clear();
        using (var settle = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await Organisation.SettleAsync(settle.Token);
        }

        foreach (var instance in Lab.Instances.Where(i => !i.IsRunning))
        {
            await instance.StartAsync();
        }

        foreach (var server in new[] { "MBX1", "MBX2", "CAS1", "CAS2" })
        {
            if (Lab.MailboxServers.ContainsKey(server))
            {
                // As an administrator puts a DAG back after maintenance: allow activation (which moves nothing, as on
                // Exchange 2013), then move each database back to its preferred server.
                Organisation.SetActivationDisabled(server, false);
                Organisation.SetAutoActivationPolicy(server, "Unrestricted");
                Organisation.SetReplicationService(server, running: true);
            }

            Organisation.SetHealthProbesFailing(server, false);

            foreach (var component in Remediation.Lab.Agent.LabOrganisation.Components)
            {
                Organisation.SetComponentState(server, component, "Active");
            }

            Organisation.SetProtocolLog(server, false);
            Organisation.SetCounters(new ImapCounters(server, 12, 0));
        }

        foreach (var server in Lab.MailboxServers.Keys)
        {
            Organisation.ActivatePreferredOn(server);
        }

        // Failing back moves databases again: wait for them too.
        using var moved = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Organisation.SettleAsync(moved.Token);
    }

    public async Task DisposeAsync()
    {
        await Agent.StopAsync();
        await Agent.DisposeAsync();
        await Lab.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}

[CollectionDefinition(nameof(OrganisationCollection))]
public sealed class OrganisationCollection : ICollectionFixture<OrganisationFixture>;
