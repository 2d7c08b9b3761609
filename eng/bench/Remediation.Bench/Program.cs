using System.Diagnostics;
using System.Globalization;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Bench;
using Remediation.Host;
using Remediation.Lab;
using Remediation.Probes;
using Remediation.Runs;
using Remediation.Topology;

// Benchmarks, one command: dotnet run -c Release --project eng/bench/Remediation.Bench [-- probes|storm|detection]
// Every number is printed beside its baseline; nothing here is a pass/fail test.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var only = args.FirstOrDefault();
var rows = new List<string[]>();
// Not CreateTempSubdirectory: its 0700 mode would stop Dovecot's unprivileged processes from reaching the lab.
var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"remediation-bench-{Environment.ProcessId}")).FullName;
try
{
    if (only is null or "probes")
    {
        await ProbeThroughputAsync(rows, root);
    }

    if (only is null or "storm")
    {
        await AlertStormAsync(rows);
    }

    if (only is null or "detection")
    {
        await DetectionToActionAsync(rows, root);
    }
}
finally
{
    Directory.Delete(root, recursive: true);
}

Console.WriteLine();
Table.Print(["benchmark", "what", "value", "baseline / peer", "ratio"], rows);

static async Task ProbeThroughputAsync(List<string[]> rows, string root)
{
    const int Probes = 200;
    const int Concurrency = 8;
    await using var lab = await ImapLab.StartAsync(LabDefinition.Minimal, Path.Combine(root, "lab"));
    var mbx = lab.MailboxServers["MBX1"];
    var cas = lab.ClientAccessServers["CAS1"];
    var user = lab.Definition.MailboxServers[0];
    var options = new StaticOptions<ProbeOptions>(new ProbeOptions { Timeout = TimeSpan.FromSeconds(10) });
    var ctpServer = new ExchangeServerOptions
    {
        Name = "CAS1",
        Role = ServerRole.ClientAccess,
        FrontEnd = new() { Host = "localhost", Port = cas.ImapsPort, Security = ImapSecurity.Tls, TrustedCaFile = lab.Certificate.CaCertPath },
        ProbeMailbox = new() { User = user.ProbeUser, Password = user.ProbePassword, MailboxServer = "MBX1" },
    };
    var selfServer = new ExchangeServerOptions
    {
        Name = "MBX1",
        Role = ServerRole.Mailbox,
        BackEnd = new() { Host = "localhost", Port = mbx.ImapsPort, Security = ImapSecurity.Tls, TrustedCaFile = lab.Certificate.CaCertPath },
    };

    var ctp = new ImapCtpProbe(TimeProvider.System, options);
    var self = new ImapSelfTestProbe(TimeProvider.System, options);
    await ctp.RunAsync(ctpServer, default); // warm-up: JIT, TLS
    await self.RunAsync(selfServer, default);

    var ours = await Measure.InProcessAsync(Probes, Concurrency, async () => (await ctp.RunAsync(ctpServer, default)).Succeeded);
    var curl = await Measure.ProcessesAsync(Probes, Concurrency, "curl", ["-s", "--cacert", lab.Certificate.CaCertPath, "-u", $"{user.ProbeUser}:{user.ProbePassword}", $"imaps://localhost:{cas.ImapsPort}/INBOX", "-X", "NOOP"]);
    rows.AddRange(Measure.Compare("CTP via CAS (TLS, login, select, read)", ours, curl, "curl"));

    var oursSelf = await Measure.InProcessAsync(Probes, Concurrency, async () => (await self.RunAsync(selfServer, default)).Succeeded);
    const string CheckSimap = "/usr/lib/nagios/plugins/check_simap";
    var simap = File.Exists(CheckSimap)
        ? await Measure.ProcessesAsync(Probes, Concurrency, CheckSimap, ["-H", "127.0.0.1", "-p", mbx.ImapsPort.ToString(CultureInfo.InvariantCulture), "-e", "* OK"])
        : null;
    rows.AddRange(Measure.Compare("Self test (TLS greeting, CAPABILITY)", oursSelf, simap, "check_simap"));
}

static async Task AlertStormAsync(List<string[]> rows)
{
    var Servers = int.Parse(Environment.GetEnvironmentVariable("BENCH_SERVERS") ?? "50", CultureInfo.InvariantCulture);
    var Alerts = Servers * 200;
    var settings = new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Logging:LogLevel:Default"] = "Error",
        ["Remediation:Probes:Enabled"] = "false",
        ["Remediation:Pump:Enabled"] = "false",
        ["Remediation:Recovery:DryRun"] = "true",
        ["Remediation:Probes:Timeout"] = "00:00:01",
    };
    for (var i = 0; i < Servers; i++)
    {
        settings[$"Remediation:Topology:Servers:{i}:Name"] = $"EXMBX{i:00}";
        settings[$"Remediation:Topology:Servers:{i}:Role"] = "Mailbox";
        settings[$"Remediation:Topology:Servers:{i}:BackEnd:Host"] = "localhost";
        settings[$"Remediation:Topology:Servers:{i}:BackEnd:Port"] = "1"; // refused at once: every re-probe fails fast
    }

    await using var host = await RemediationHost.StartAsync([], b => b.Configuration.AddInMemoryCollection(settings));
    var publisher = host.App.Services.GetRequiredService<IAlertPublisher>();
    var pump = host.App.Services.GetRequiredService<AlertPump>();
    var queue = host.App.Services.GetRequiredService<InProcessAlertQueue>();
    for (var i = 0; i < Alerts; i++)
    {
        await publisher.PublishAsync(new Alert($"storm-{i}", $"EXMBX{i % Servers:00}", "IMAP.Protocol", "ImapSelfTestMonitor", "Bench", null, DateTimeOffset.UnixEpoch), default);
    }

    var clock = Stopwatch.StartNew();
    int started = 0, coalesced = 0;
    while (queue.Count > 0)
    {
        var pass = await pump.RunOnceAsync(default);
        started += pass.Started;
        coalesced += pass.Coalesced;
    }

    var drained = clock.Elapsed;
    var durable = host.App.Services.GetRequiredService<DurableTaskClient>();
    for (var i = 0; i < Servers; i++)
    {
        await durable.WaitForInstanceCompletionAsync(Remediation.Recovery.RecoveryInstance.IdFor($"EXMBX{i:00}"));
    }

    var finished = clock.Elapsed;
    var runs = await host.App.Services.GetRequiredService<IRunLedger>().ListAsync(null, 1000, default);
    if (Environment.GetEnvironmentVariable("BENCH_TRACE") == "1")
    {
        foreach (var step in runs[0].Steps)
        {
            Console.WriteLine($"{(step.StartedAt - runs[0].StartedAt).TotalMilliseconds,8:0} {(step.EndedAt - step.StartedAt).TotalMilliseconds,8:0} {step.Name}: {step.Outcome} {step.Answer}");
        }

        Console.WriteLine($"ended {(runs[0].EndedAt!.Value - runs[0].StartedAt).TotalMilliseconds:0} {runs[0].Outcome} {runs[0].Reason}");
    }

    var perRun = runs.Where(r => r.EndedAt is not null).Select(r => (r.EndedAt!.Value - r.StartedAt).TotalMilliseconds).Order().ToArray();
    rows.Add(["alert storm", "one dry run, start to end (p50 / max)", $"{perRun[perRun.Length / 2]:0} / {perRun[^1]:0} ms", "", $"{runs.Sum(r => r.Steps.Count) / (double)runs.Count:0.0} steps/run"]);
    rows.Add(["alert storm", $"{Alerts} alerts, {Servers} servers: runs started", $"{started}", $"{Servers} (one per server)", $"{(double)started / Servers:0.00}"]);
    rows.Add(["alert storm", "alerts recorded on running runs", $"{coalesced}", $"{Alerts - Servers}", ""]);
    rows.Add(["alert storm", "time to drain the queue", $"{drained.TotalSeconds:0.00} s", "", $"{Alerts / drained.TotalSeconds:0} alerts/s"]);
    rows.Add(["alert storm", "time until all 50 dry runs ended", $"{finished.TotalSeconds:0.00} s", "", $"{runs.Sum(r => r.Steps.Count) / finished.TotalSeconds:0} steps/s"]);
    rows.Add(["alert storm", "peak working set", $"{Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB", "", ""]);
}

static async Task DetectionToActionAsync(List<string[]> rows, string root)
{
    var interval = TimeSpan.FromSeconds(1);
    const int Threshold = 3;
    var pumpPeriod = TimeSpan.FromMilliseconds(100);
    await using var host = await RemediationHost.StartAsync(["--lab"], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Lab:Directory"] = Path.Combine(root, "detect"),
        ["Logging:LogLevel:Default"] = "Error",
        ["Remediation:Probes:Interval"] = interval.ToString(),
        ["Remediation:Probes:Timeout"] = "00:00:02",
        ["Remediation:Monitors:ConsecutiveFailures"] = Threshold.ToString(CultureInfo.InvariantCulture),
        ["Remediation:Pump:Interval"] = pumpPeriod.ToString(),
    }));
    await Task.Delay(interval * 2);
    var ledger = host.App.Services.GetRequiredService<IRunLedger>();
    var killedAt = TimeProvider.System.GetUtcNow();
    await host.Lab!.MailboxServers["MBX1"].StopAsync(hard: true);
    RunRecord? run = null;
    for (var i = 0; i < 600 && run?.Outcome is null or RunOutcome.Running; i++)
    {
        await Task.Delay(50);
        var latest = await ledger.ListAsync("MBX1", 1, default);
        run = latest.Count > 0 ? latest[0] : null;
    }

    var floor = interval * Threshold + pumpPeriod;
    var action = run!.Steps.First(s => s.Name.StartsWith("Restart ", StringComparison.Ordinal)).StartedAt - killedAt;
    var recovered = run.EndedAt!.Value - killedAt;
    rows.Add(["detection to action", $"kill back end -> first remediation step (interval {interval.TotalSeconds} s x {Threshold} + pump)", $"{action.TotalSeconds:0.00} s", $"floor {floor.TotalSeconds:0.00} s", $"{action / floor:0.00}"]);
    rows.Add(["detection to action", $"kill back end -> run {run.Outcome}", $"{recovered.TotalSeconds:0.00} s", $"floor {floor.TotalSeconds:0.00} s", $"{recovered / floor:0.00}"]);
}

sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
