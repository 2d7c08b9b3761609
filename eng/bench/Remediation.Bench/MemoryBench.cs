using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Remediation.Lab;

namespace Remediation.Bench;

/// <summary>
/// Idle memory (issue #30): the standalone host and the production agent, each a process of its own started as an
/// operator starts them (<c>dotnet Remediation.Host.dll</c>, <c>dotnet Remediation.Agent.dll</c>), their resident
/// memory read from /proc after start and then every minute while the host probes N servers (deep and self test) at
/// the product's default interval against the tuned lab, nothing failing, the agent configured and idle. State and
/// history in memory: the host's defaults, so its history grows with the hour.
/// </summary>
internal static class MemoryBench
{
    public static async Task RunAsync(List<string[]> rows, string root, TimeSpan duration)
    {
        var servers = Size.Of(200, 4);
        var interval = Size.Smoke ? TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(1);
        await using var lab = await ImapLab.StartAsync(LabDefinition.Minimal with { TunedForLogins = true, ImapsListeners = Size.Of(100, 2) }, Path.Combine(root, "memory-lab"));
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var agentPort = FreePort.Next();
        var agentSettings = new Dictionary<string, string?>
        {
            ["Urls"] = $"http://127.0.0.1:{agentPort}",
            ["Agent:Keys:bench"] = key,
            ["Agent:StatePath"] = Path.Combine(root, "memory-agent-state.db"),
            ["Agent:AuditLogPath"] = Path.Combine(root, "memory-agent-audit.jsonl"),
        };
        var hostPort = FreePort.Next();
        var hostSettings = new Dictionary<string, string?>
        {
            ["Urls"] = $"http://127.0.0.1:{hostPort}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Remediation:Identity:Mode"] = "Lab",
            ["Remediation:Probes:Interval"] = interval.ToString(),
            ["Remediation:Probes:Timeout"] = "00:00:10",
            ["Remediation:Probes:MaxConcurrency"] = "10", // the lab's one probe user may hold 10 connections
            ["Remediation:Agent:BaseAddress"] = $"http://127.0.0.1:{agentPort}/",
            ["Remediation:Agent:KeyId"] = "bench",
            ["Remediation:Agent:Key"] = key,
        };
        StorageBench.AddMailboxServers(hostSettings, servers, lab);
        for (var i = 0; i < servers; i++)
        {
            agentSettings[$"Agent:ManagedServers:{i}"] = hostSettings[$"Remediation:Topology:Servers:{i}:Name"];
        }

        using var agent = Start("Remediation.Agent.dll", agentSettings, root);
        using var host = Start("Remediation.Host.dll", hostSettings, root);
        try
        {
            await ListeningAsync(agent, agentPort);
            await ListeningAsync(host, hostPort);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hostPort}/") };

            // "After start": once the first round has reported every monitor.
            var started = Stopwatch.StartNew();
            while (await ReportingAsync(http) is var (reporting, total) && reporting < total)
            {
                if (started.Elapsed > TimeSpan.FromMinutes(2) || host.HasExited)
                {
                    throw new InvalidOperationException($"The host reported {reporting} of {total} monitors after {started.Elapsed}.");
                }

                await Task.Delay(500);
            }

            var (hostAtStart, agentAtStart) = (Resident(host), Resident(agent));
            var samples = new List<(TimeSpan At, double Host, double Agent)> { (TimeSpan.Zero, hostAtStart.Rss, agentAtStart.Rss) };
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await Task.Delay(Min(interval, duration - clock.Elapsed));
                if (host.HasExited || agent.HasExited)
                {
                    throw new InvalidOperationException($"A process ended during the measurement (host exited: {host.HasExited}, agent exited: {agent.HasExited}).");
                }

                samples.Add((clock.Elapsed, Resident(host).Rss, Resident(agent).Rss));
            }

            var (healthy, all) = await ReportingAsync(http, healthyOnly: true);
            var (hostEnd, agentEnd) = (Resident(host), Resident(agent));
            var what = $"{servers} servers probed every {interval.TotalSeconds:0} s";
            rows.Add(["idle memory", $"host: resident after start, first round done ({what})", $"{hostAtStart.Rss:0} MiB", "", ""]);
            rows.Add(["idle memory", $"host: resident after {Span(duration)} ({healthy} of {all} monitors Healthy at the end)", $"{hostEnd.Rss:0} MiB", $"after start: {hostAtStart.Rss:0} MiB", $"{hostEnd.Rss / hostAtStart.Rss:0.00}"]);
            rows.Add(["idle memory", "host: peak resident (VmHWM)", $"{hostEnd.Peak:0} MiB", "", ""]);
            rows.Add(["idle memory", "agent: resident after the host's first round (configured, nothing failing)", $"{agentAtStart.Rss:0} MiB", "", ""]);
            rows.Add(["idle memory", $"agent: resident after {Span(duration)}", $"{agentEnd.Rss:0} MiB", $"after start: {agentAtStart.Rss:0} MiB", $"{agentEnd.Rss / agentAtStart.Rss:0.00}"]);
            rows.Add(["idle memory", $"agent: what it was asked in the {Span(duration)} (its audit log)", Audited(agentSettings["Agent:AuditLogPath"]!), "", ""]);
            var marks = samples.Where((s, i) => i <= 3 || i == samples.Count - 1 || s.At.TotalMinutes % 10 < interval.TotalMinutes).ToList();
            rows.Add(["idle memory", "host resident over time", string.Join(", ", marks.Select(s => $"{Span(s.At)} {s.Host:0}")), "MiB", ""]);
            rows.Add(["idle memory", "agent resident over time", string.Join(", ", marks.Select(s => $"{Span(s.At)} {s.Agent:0}")), "MiB", ""]);
        }
        finally
        {
            Stop(host);
            Stop(agent);
        }
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    static string Span(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";

    static Process Start(string dll, Dictionary<string, string?> settings, string root)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        // The benchmark's folder on the command line (read as an unused setting): eng/test.sh stops by it.
        info.ArgumentList.Add($"--test-marker={root}");
        foreach (var (name, value) in settings)
        {
            info.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine($"{dll}: {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    static async Task ListeningAsync(Process process, int port)
    {
        for (var i = 0; i < 600 && !process.HasExited; i++)
        {
            if (FreePort.IsListening(port))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{process.StartInfo.ArgumentList[1]} did not start listening on 127.0.0.1:{port}.");
    }

    static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>
    /// Monitors in the health answer that have had a probe (a latency: every monitor of these mailbox servers is a probe's),
    /// or with <paramref name="healthyOnly"/> that are Healthy, and all of them. A monitor starts Healthy before any probe.
    /// </summary>
    static async Task<(int Counted, int Total)> ReportingAsync(HttpClient http, bool healthyOnly = false)
    {
        using var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/health", UriKind.Relative)));
        var rows = answer.RootElement.EnumerateArray().ToList();
        var counted = rows.Count(r => healthyOnly
            ? r.TryGetProperty("alertValue", out var state) && state.GetString() == "Healthy"
            : r.TryGetProperty("lastProbeLatencyMs", out var latency) && latency.ValueKind == JsonValueKind.Number);
        return (counted, rows.Count);
    }

    /// <summary>The audit log's entries counted by what they record (operation and outcome).</summary>
    static string Audited(string path)
    {
        if (!File.Exists(path))
        {
            return "nothing";
        }

        var kinds = File.ReadLines(path).Select(line =>
        {
            using var entry = JsonDocument.Parse(line);
            return string.Join(" ", entry.RootElement.EnumerateObject()
                .Where(p => p.Name is "operation" or "outcome" or "event" or "status" && p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                .Select(p => p.Value.ToString()));
        });
        return string.Join(", ", kinds.GroupBy(k => k).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} x {g.Key}"));
    }

    /// <summary>Resident and peak resident memory of a process, MiB, from /proc/{pid}/status (VmRSS, VmHWM).</summary>
    static (double Rss, double Peak) Resident(Process process)
    {
        var lines = File.ReadAllLines($"/proc/{process.Id}/status");
        double Read(string field) => double.Parse(lines.Single(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        return (Read("VmRSS:"), Read("VmHWM:"));
    }
}
