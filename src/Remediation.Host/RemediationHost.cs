using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Remediation.Alerts;
using Remediation.History;
using Remediation.Host.Durable;
using Remediation.Host.Identity;
using Remediation.Host.Telemetry;
using Remediation.Host.Workers;
using Remediation.Monitoring;
using Remediation.Operators;
using Remediation.Recovery;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Host;

/// <summary>
/// The standalone host: the engine in an ASP.NET Core generic host with the embedded Durable engine,
/// the probe schedule, the alert pump and the HTTP API. (Lab mode wraps it from the outside: src/Remediation.Lab.)
/// </summary>
public sealed class RemediationHost : IAsyncDisposable
{
    readonly EmbeddedDurableEngine durable;
    readonly ILoggerFactory infrastructureLogging;

    RemediationHost(WebApplication app, EmbeddedDurableEngine durable, ILoggerFactory infrastructureLogging)
    {
        App = app;
        this.durable = durable;
        this.infrastructureLogging = infrastructureLogging;
    }

    /// <summary>The running web application.</summary>
    public WebApplication App { get; }

    /// <summary>Where the HTTP API listens.</summary>
    public Uri Address => new(App.Urls.First());

    /// <summary>
    /// Builds and starts the host. <paramref name="configure"/> adds settings (the lab, tests); <paramref name="map"/>
    /// adds routes after the host's own.
    /// </summary>
    public static async Task<RemediationHost> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(Options(args));
        configure?.Invoke(builder);
        builder.Host.UseSystemd().UseWindowsService();

        // The Durable sidecar starts before the app and stops after it.
        var infrastructureLogging = LoggerFactory.Create(l => l.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole());
        EmbeddedDurableEngine? durable = null;
        WebApplication? app = null;
        try
        {
            var backend = DurableBackend.Create(builder.Configuration, infrastructureLogging, out var backendDescription);
            durable = await EmbeddedDurableEngine.StartAsync(infrastructureLogging, backend, cancellationToken);
            infrastructureLogging.CreateLogger<RemediationHost>().DurableBackendStarted(backendDescription);
            var identity = builder.AddOperatorIdentity();
            AddServices(builder, durable);
            app = builder.Build();
            MapRoutes(app, identity);
            map?.Invoke(app);
            await app.StartAsync(cancellationToken);
            IdentityExtensions.EnsureSafeBinding(app, identity);
            return new RemediationHost(app, durable, infrastructureLogging);
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

            infrastructureLogging.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The host's builder options: settings from appsettings.json beside the binary (as a systemd unit or Windows
    /// service sees them, and whatever the working directory of <c>dotnet run</c>), then environment and command line.
    /// </summary>
    public static WebApplicationOptions Options(string[] args) => new() { Args = args, ContentRootPath = AppContext.BaseDirectory };

    static void AddServices(WebApplicationBuilder builder, EmbeddedDurableEngine durable)
    {
        builder.Services.AddProblemDetails();
        // The API's JSON compressed (a 200-server health answer is ~10x smaller): on HTTPS too, which ASP.NET Core
        // leaves off because of BREACH. BREACH needs a secret in a compressed body next to text an attacker chooses;
        // the API's answers carry no secret, and the one that does (the anti-forgery token) is never compressed (below).
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.MimeTypes = ["application/json", "application/problem+json"];
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProvider>();
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
        });
        builder.Services.Configure<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        builder.Services.AddRemediationEngine(builder.Configuration);
        builder.Services.AddRemediationTelemetry(builder.Configuration);
        builder.Services.AddDurableTaskWorker(b => b.AddTasks(r => r.AddRemediationTasks()).UseGrpc(durable.Channel));
        builder.Services.AddDurableTaskClient(b => b.UseGrpc(durable.Channel));
        builder.Services.AddSingleton<AlertPump>();
        builder.Services.AddHostedService<ProbeScheduler>();
        builder.Services.AddHostedService<AlertPumpWorker>();
        builder.Services.AddHostedService<RunReconcilerWorker>();
    }

    static void MapRoutes(WebApplication app, IdentityOptions identity)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (identity.KnownProxies.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in identity.KnownProxies.Where(p => System.Net.IPAddress.TryParse(p, out _)))
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            app.UseForwardedHeaders(forwarded);
        }

        // Signed-in consoles are HTTPS only from then on (Strict-Transport-Security on HTTPS answers, the proxy's
        // X-Forwarded-Proto counted; ASP.NET Core leaves loopback names out).
        if (identity.Mode == IdentityMode.Oidc)
        {
            app.UseHsts();
        }

        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api") && !c.Request.Path.StartsWithSegments("/api/antiforgery"), api => api.UseResponseCompression());
        app.UseAuthentication();
        app.MapOperatorIdentity(identity);
        var signOut = identity.Mode == IdentityMode.Oidc ? "post:/signout" : null;
        app.MapGet("/", (HttpResponse response) => Remediation.Dashboard.DashboardPage.Serve(response, signOut: signOut)).RequireOperator(OperatorRole.Reader).ExcludeFromDescription();
        // The operator API, mapped where each concern lives in the engine (the Functions app calls the same handlers).
        app.MapRunsApi();
        app.MapHoldsApi();
        app.MapPlanApi();
        app.MapMaintenanceApi();
        app.MapHealthApi();
        app.MapHistoryApi();
        app.MapAlertsApi();
    }

    /// <summary>Stops the host, then the Durable engine.</summary>
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
            infrastructureLogging.Dispose();
        }
    }
}
