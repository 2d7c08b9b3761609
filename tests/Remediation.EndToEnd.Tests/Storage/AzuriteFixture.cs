using System.Diagnostics;
using System.Reflection;
using Remediation.Lab;

namespace Remediation.EndToEnd.Tests.Storage;

/// <summary>Azurite's Table service (npm package, installed by eng/install-deps.sh) on 127.0.0.1, stopped by PID.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's well-known development account (public, documented): not a secret.
    const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    readonly string directory = LabRoot.NewDirectory("azurite");
    Process? process;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var root = typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var azurite = Path.Combine(root, "artifacts", "tools", "node_modules", ".bin", "azurite-table");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run eng/install-deps.sh.");
        }

        var port = FreePort.Next();
        var info = new ProcessStartInfo(azurite) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", directory, "--skipApiVersionCheck", "--disableTelemetry", "--silent" })
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 200 && !FreePort.IsListening(port); i++)
        {
            await Task.Delay(50);
        }

        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
    }

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }

        Directory.Delete(directory, recursive: true);
    }

}
