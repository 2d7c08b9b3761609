using System.Net;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;

namespace Remediation.Host.Durable;

/// <summary>
/// A Durable Task backend inside the process: the SDK's gRPC task hub server over an orchestration service,
/// on an HTTP/2 port of 127.0.0.1 chosen by the kernel. Workers and clients talk to it through <see cref="Channel"/>
/// exactly as they talk to the Durable Task Scheduler or the Functions host.
/// </summary>
public sealed class EmbeddedDurableEngine : IAsyncDisposable
{
    readonly WebApplication sidecar;

    EmbeddedDurableEngine(WebApplication sidecar, GrpcChannel channel, string address)
    {
        this.sidecar = sidecar;
        Channel = channel;
        Address = address;
    }

    /// <summary>The channel workers and clients use.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The sidecar's address (http://127.0.0.1:port).</summary>
    public string Address { get; }

    /// <summary>Starts the engine in memory with default limits. <paramref name="loggerFactory"/> must outlive the engine.</summary>
    public static Task<EmbeddedDurableEngine> StartAsync(ILoggerFactory loggerFactory, CancellationToken cancellationToken = default) =>
        StartAsync(loggerFactory, new SidecarOrchestrationService(new InMemoryOrchestrationService(loggerFactory), new DurableBackendOptions()), cancellationToken);

    /// <summary>Starts the engine over <paramref name="service"/>. <paramref name="loggerFactory"/> must outlive the engine.</summary>
    internal static async Task<EmbeddedDurableEngine> StartAsync(ILoggerFactory loggerFactory, SidecarOrchestrationService service, CancellationToken cancellationToken = default)
    {
        // An empty builder: the sidecar must not pick up the host's appsettings (URLs, logging) from the content root.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddRouting();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(service);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<TaskHubGrpcServer>();
        await service.CreateIfNotExistsAsync();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmbeddedDurableEngine(app, GrpcChannel.ForAddress(address), address);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Channel.ShutdownAsync();
        Channel.Dispose();
        await sidecar.StopAsync();
        await sidecar.DisposeAsync();
    }
}
