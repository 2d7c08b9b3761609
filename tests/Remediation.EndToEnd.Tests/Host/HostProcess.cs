using System.Diagnostics;
using System.Net.Http.Json;
using Remediation.Lab;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Host;

/// <summary>
/// The standalone host as a process of its own (<c>dotnet Remediation.Host.dll</c>), so a test can SIGKILL it.
/// Settings go in as environment variables; its output is kept for the failure message. Killed by PID on dispose.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    readonly Process process;
    readonly List<string> output = [];

    HostProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public int Pid => process.Id;

    /// <summary>Everything the host printed so far.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join('\n', output);
            }
        }
    }

    void Keep(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.Add(line);
            }
        }
    }

    public static async Task<HostProcess> StartAsync(IDictionary<string, string?> settings, string marker)
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Remediation.Host.dll"));
        // Names the test run's lab root on the command line, so eng/test.sh can stop a host a crashed test left behind.
        info.ArgumentList.Add($"--test-marker={marker}");
        info.Environment["Urls"] = $"http://127.0.0.1:{port}";
        info.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var host = new HostProcess(Process.Start(info)!, new Uri($"http://127.0.0.1:{port}/"));
        host.process.BeginOutputReadLine();
        host.process.BeginErrorReadLine();
        for (var i = 0; i < 600; i++)
        {
            if (host.process.HasExited)
            {
                break;
            }

            if (FreePort.IsListening(port))
            {
                return host;
            }

            await Task.Delay(100);
        }

        var printed = host.Output;
        await host.DisposeAsync();
        throw new InvalidOperationException($"The host did not start listening on 127.0.0.1:{port}:\n{printed}");
    }

    public async Task<RunRecord?> RunAsync(string runId)
    {
        using var response = await Http.GetAsync(new Uri($"api/runs/{runId}", UriKind.Relative));
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<RunRecord>(JsonDefaults.Options) : null;
    }

    /// <summary>Polls the run API until <paramref name="until"/> holds for a run of <paramref name="server"/>.</summary>
    public async Task<RunRecord> WaitForRunAsync(string server, Func<RunRecord, bool> until, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        RunRecord? last = null;
        while (deadline.Elapsed < timeout && !process.HasExited)
        {
            var runs = await Http.GetFromJsonAsync<List<RunRecord>>($"api/runs?server={server}", JsonDefaults.Options);
            last = runs?.FirstOrDefault() ?? last;
            if (last is { } run && until(run))
            {
                return run;
            }

            await Task.Delay(100);
        }

        var seen = last is null ? "no run" : $"{last.Outcome} at '{last.CurrentStep}': {string.Join(", ", last.Steps.Select(s => $"{s.Name}: {s.Outcome}"))}";
        throw new TimeoutException($"No run of {server} reached the expected state in {timeout}; last seen: {seen}. Host output:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; what is not in storage is gone.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
