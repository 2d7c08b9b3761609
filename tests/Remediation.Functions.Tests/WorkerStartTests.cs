using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Remediation.Functions.Tests;

/// <summary>
/// The worker's container as Program.cs builds it. In Development the host validates every registration when it
/// builds the provider (<c>ValidateOnBuild</c>, <c>ValidateScopes</c>), and <c>func start</c> runs in Development: a
/// registration the container cannot make killed the worker at start for every developer (issue #27: AlertPump took a
/// DurableTaskClient, which reaches the worker only through [DurableClient]).
/// </summary>
public sealed class WorkerStartTests
{
    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public void The_worker_builds_its_services_in_every_environment(string environment)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Environment.EnvironmentName = environment;
        Worker.Configure(builder);
        var development = environment == "Development";

        using var provider = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = development });

        Assert.NotNull(provider);
    }
}
