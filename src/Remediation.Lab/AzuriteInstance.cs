using System.Diagnostics;
using System.Globalization;

namespace Remediation.Lab;

/// <summary>
/// Azurite (the npm package eng/install-deps.sh installs into artifacts/tools): blob, queue and table services on
/// 127.0.0.1, kernel-chosen ports, data in a folder of its own. Stopped by the PID it was started with.
/// </summary>
public sealed class AzuriteInstance : IAsyncDisposable
{
    // Azurite's well-known development account key (public and documented): not a secret.
    const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    readonly Process process;
    readonly string directory;

    AzuriteInstance(Process process, string directory, string connectionString)
    {
        this.process = process;
        this.directory = directory;
        ConnectionString = connectionString;
    }

    /// <summary>A connection string for all three services.</summary>
    public string ConnectionString { get; }

    /// <summary>Azurite's process ID (benchmarks read its CPU time).</summary>
    public int Pid => process.Id;

    /// <summary>Starts Azurite with its data under <paramref name="directory"/> (created; deleted on dispose).</summary>
    public static async Task<AzuriteInstance> StartAsync(string directory, CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable();
        Directory.CreateDirectory(directory);
        int blob = FreePort.Next(), queue = FreePort.Next(), table = FreePort.Next();
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--blobHost", "127.0.0.1", "--blobPort", Port(blob),
            "--queueHost", "127.0.0.1", "--queuePort", Port(queue),
            "--tableHost", "127.0.0.1", "--tablePort", Port(table),
            "--location", directory, "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var connectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevelopmentKey
            + $";BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
        var instance = new AzuriteInstance(process, directory, connectionString);
        var deadline = Stopwatch.StartNew();
        while (!(FreePort.IsListening(blob) && FreePort.IsListening(queue) && FreePort.IsListening(table)))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                await instance.DisposeAsync();
                string output;
                lock (errors)
                {
                    output = errors.ToString().Trim();
                }

                throw new InvalidOperationException($"Azurite did not start listening on 127.0.0.1:{blob}/{queue}/{table}: {output}");
            }

            await Task.Delay(50, cancellationToken);
        }

        return instance;
    }

    /// <summary>artifacts/tools/node_modules/.bin/azurite above the running assembly (or $AZURITE).</summary>
    static string FindExecutable()
    {
        if (Environment.GetEnvironmentVariable("AZURITE") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "artifacts", "tools", "node_modules", ".bin", "azurite");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Azurite is not installed under artifacts/tools: run eng/install-deps.sh (or set AZURITE to its path).");
    }

    static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Stops Azurite (its process tree, by PID) and deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
