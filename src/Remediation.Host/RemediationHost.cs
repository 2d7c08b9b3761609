using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Remediation.Host.Alerts;
using Remediation.Host.Durable;
using Remediation.Host.Health;
using Remediation.Host.Lab;
using Remediation.Host.Runs;
using Remediation.Host.Telemetry;
using Remediation.Host.Workers;
using Remediation.Lab;

namespace Remediation.Host;

/// <summary>
/// The standalone host: the engine in an ASP.NET Core generic host with the embedded Durable engine,
/// the probe schedule, the alert pump and the HTTP API; in lab mode, also the Dovecot lab it watches.
/// </summary>
public sealed class RemediationHost : IAsyncDisposable
{
    readonly EmbeddedDurableEngine durable;
    readonly ILoggerFactory infrastructureLogging;

    RemediationHost(WebApplication app, EmbeddedDurableEngine durable, ImapLab? lab, WebApplication? labAgent, ILoggerFactory infrastructureLogging)
    {
        App = app;
        this.durable = durable;
        Lab = lab;
        LabAgent = labAgent;
        this.infrastructureLogging = infrastructureLogging;
    }

    /// <summary>The lab agent (lab mode): the same agent as on premises, acting on the lab organisation.</summary>
    public WebApplication? LabAgent { get; }

    /// <summary>The running web application.</summary>
    public WebApplication App { get; }

    /// <summary>The lab, in lab mode.</summary>
    public ImapLab? Lab { get; }

    /// <summary>Where the HTTP API listens.</summary>
    public Uri Address => new(App.Urls.First());

    /// <summary>Builds and starts the host. <paramref name="configure"/> lets tests override settings.</summary>
    public static async Task<RemediationHost> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (args.Contains("--lab"))
        {
            builder.Configuration[LabMode.EnabledKey] = "true";
        }

        configure?.Invoke(builder);
        builder.Host.UseSystemd().UseWindowsService();

        // The lab and the Durable sidecar start before the app (the app's settings depend on them) and stop after it.
        var infrastructureLogging = LoggerFactory.Create(l => l.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole());

        ImapLab? lab = null;
        WebApplication? labAgent = null;
        EmbeddedDurableEngine? durable = null;
        WebApplication? app = null;
        try
        {
            if (builder.Configuration.GetValue<bool>(LabMode.EnabledKey))
            {
                var directory = builder.Configuration[LabMode.DirectoryKey] ?? Path.Combine(Path.GetTempPath(), "remediation-lab");
                lab = await ImapLab.StartAsync(LabDefinition.Default, directory, infrastructureLogging, cancellationToken: cancellationToken);
                (labAgent, var agentSettings) = await LabMode.StartAgentAsync(lab, directory, builder.Configuration, cancellationToken);
                builder.Configuration.AddInMemoryCollection(LabMode.Settings(lab));
                builder.Configuration.AddInMemoryCollection(agentSettings);
            }

            var backend = DurableBackend.Create(builder.Configuration, infrastructureLogging, out var backendDescription);
            durable = await EmbeddedDurableEngine.StartAsync(infrastructureLogging, backend, cancellationToken);
            infrastructureLogging.CreateLogger<RemediationHost>().DurableBackendStarted(backendDescription);
            AddServices(builder, durable);
            app = builder.Build();
            MapRoutes(app, lab);
            await app.StartAsync(cancellationToken);
            return new RemediationHost(app, durable, lab, labAgent, infrastructureLogging);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            if (durable is not null)
            {
                await durable.DisposeAsync();
            }

            if (labAgent is not null)
            {
                await labAgent.DisposeAsync();
            }

            if (lab is not null)
            {
                await lab.DisposeAsync();
            }

            infrastructureLogging.Dispose();
            throw;
        }
    }

    static void AddServices(WebApplicationBuilder builder, EmbeddedDurableEngine durable)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddRemediationEngine(builder.Configuration);
        builder.Services.AddRemediationTelemetry(builder.Configuration);
        builder.Services.AddDurableTaskWorker(b => b.AddTasks(r => r.AddRemediationTasks()).UseGrpc(durable.Channel));
        builder.Services.AddDurableTaskClient(b => b.UseGrpc(durable.Channel));
        builder.Services.AddHostedService<ProbeScheduler>();
        builder.Services.AddHostedService<AlertPumpWorker>();
    }

    static void MapRoutes(WebApplication app, ImapLab? lab)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapGet("/", () => Results.Content(Remediation.Dashboard.DashboardPage.Html(), "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapRuns();
        app.MapHealth();
        app.MapAlerts();
        if (lab is not null)
        {
            app.MapLab(lab);
        }
    }

    /// <summary>Stops the host, then the Durable engine, then the lab's Dovecot processes.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        finally
        {
            await durable.DisposeAsync();
            if (LabAgent is not null)
            {
                await LabAgent.StopAsync();
                await LabAgent.DisposeAsync();
            }

            if (Lab is not null)
            {
                await Lab.DisposeAsync();
            }

            infrastructureLogging.Dispose();
        }
    }
}
