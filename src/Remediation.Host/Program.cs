using Remediation.Host;

await using var host = await RemediationHost.StartAsync(args);
Logs.Listening(host.App.Services.GetRequiredService<ILogger<RemediationHost>>(), host.Address);
await host.App.WaitForShutdownAsync();

/// <summary>The standalone host's entry point (public for WebApplicationFactory).</summary>
public partial class Program
{
}
