using Microsoft.Extensions.Configuration;
using Remediation.Host;
using Remediation.Lab;

namespace Remediation.EndToEnd.Tests;

/// <summary>Starts the real standalone host on 127.0.0.1 (kernel-chosen port) against a lab, with test settings.</summary>
internal static class HostFactory
{
    public static Task<RemediationHost> StartAsync(ImapLab lab, IDictionary<string, string?>? settings = null) =>
        RemediationHost.StartAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(LabMode.Settings(lab));
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("TEST_LOG_LEVEL") ?? "Warning",
                ["Remediation:Probes:Enabled"] = "false",
                ["Remediation:Pump:Enabled"] = "false",
                ["Remediation:Probes:Timeout"] = "00:00:05",
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }
        });
}
