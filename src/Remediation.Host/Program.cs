using Remediation.Host;

await using var host = await RemediationHost.StartAsync(args);
var logger = host.App.Services.GetRequiredService<ILogger<RemediationHost>>();
Logs.Listening(logger, host.Address);
if (host.Lab is { } lab)
{
    foreach (var instance in lab.Instances)
    {
        Logs.LabServer(logger, instance.Name, instance.Pid, instance.ImapsPort);
    }

    Logs.LabHowTo(logger, host.Address);
}

await host.App.WaitForShutdownAsync();

/// <summary>The standalone host's entry point (public for WebApplicationFactory).</summary>
public partial class Program
{
}
