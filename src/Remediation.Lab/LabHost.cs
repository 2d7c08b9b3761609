using Remediation.Host;

namespace Remediation.Lab;

/// <summary>
/// Lab mode, the product as a new user first meets it: the Dovecot lab, the lab agent on 127.0.0.1 with a fresh key,
/// and the standalone host pointed at both, with the lab's routes (/lab) added. Disposing stops all three.
/// </summary>
public sealed class LabHost : IAsyncDisposable
{
    LabHost(ImapLab lab, WebApplication agent, RemediationHost host)
    {
        Lab = lab;
        Agent = agent;
        Host = host;
    }

    /// <summary>The Dovecot processes and the lab's CA.</summary>
    public ImapLab Lab { get; }

    /// <summary>The lab agent: the real agent acting on the lab organisation.</summary>
    public WebApplication Agent { get; }

    /// <summary>The standalone host, exactly as in production, configured for the lab.</summary>
    public RemediationHost Host { get; }

    /// <summary>The host's web application.</summary>
    public WebApplication App => Host.App;

    /// <summary>Where the host's HTTP API and dashboard listen.</summary>
    public Uri Address => Host.Address;

    /// <summary>Starts the lab, its agent and the host. <paramref name="settings"/> override the lab's and the host's settings (tests).</summary>
    public static async Task<LabHost> StartAsync(string[] args, IDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        // The lab's settings come from the same places as the host's (appsettings, environment, command line).
        var configuration = WebApplication.CreateBuilder(RemediationHost.Options(args)).Configuration;
        configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        var directory = configuration[LabMode.DirectoryKey] ?? Path.Combine(Path.GetTempPath(), "remediation-lab");
        using var logging = LoggerFactory.Create(l => l.AddConfiguration(configuration.GetSection("Logging")).AddConsole());

        ImapLab? lab = null;
        WebApplication? agent = null;
        try
        {
            lab = await ImapLab.StartAsync(LabMode.Definition(configuration[LabMode.OrganisationKey]), directory, logging, cancellationToken: cancellationToken);
            (agent, var agentSettings) = await LabMode.StartAgentAsync(lab, directory, configuration, cancellationToken);
            var started = lab;
            var host = await RemediationHost.StartAsync(args, builder =>
            {
                builder.Configuration.AddInMemoryCollection(LabMode.Settings(started));
                builder.Configuration.AddInMemoryCollection(agentSettings);
                builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
            }, app => app.MapLab(started), cancellationToken);
            return new LabHost(lab, agent, host);
        }
        catch
        {
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }

            if (lab is not null)
            {
                await lab.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Stops the host, then the agent, then the lab's Dovecot processes.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.DisposeAsync();
        }
        finally
        {
            await Agent.StopAsync();
            await Agent.DisposeAsync();
            await Lab.DisposeAsync();
        }
    }
}
