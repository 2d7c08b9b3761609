using System.Diagnostics;
using System.Globalization;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Remediation;
using Remediation.Alerts;
using Remediation.Bench;
using Remediation.Host;
using Remediation.Lab;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Runs;
using Remediation.Topology;

// Benchmarks, one command: bash eng/bench/run.sh [--smoke] [--minutes=N] [probes|capacity|storm|overhead|detection|console|storage|memory]
// (or dotnet run -c Release --project eng/bench/Remediation.Bench -- ...). Every number is printed beside its
// baseline or peer; nothing here is a pass/fail test. --smoke runs every mode in a size of seconds, so the test
// command runs them all and a change that breaks one fails CI (its figures mean nothing).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
Size.Smoke = args.Contains("--smoke");
var only = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
if (only is not (null or "probes" or "capacity" or "storm" or "overhead" or "detection" or "console" or "storage" or "memory"))
{
    Console.Error.WriteLine($"Unknown benchmark '{only}': probes, capacity, storm, overhead, detection, console, storage or memory (none: all).");
    return 2;
}

// The memory mode's length: an hour unless told (--minutes=N); seconds in smoke size.
var minutesArg = args.FirstOrDefault(a => a.StartsWith("--minutes=", StringComparison.Ordinal));
if (minutesArg is not null && !(int.TryParse(minutesArg["--minutes=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var asked) && asked is >= 1 and <= 1440))
{
    Console.Error.WriteLine($"--minutes must be a whole number of minutes from 1 to 1440 (was '{minutesArg["--minutes=".Length..]}').");
    return 2;
}

var memoryDuration = Size.Smoke ? TimeSpan.FromSeconds(15) : TimeSpan.FromMinutes(minutesArg is null ? 60 : int.Parse(minutesArg["--minutes=".Length..], CultureInfo.InvariantCulture));

var rows = new List<string[]>();
// Not CreateTempSubdirectory: its 0700 mode would stop Dovecot's unprivileged processes from reaching the lab.
// Under the test command's lab root when it runs us: its clean-up stops by that path whatever this process left running
// (Dovecot, the memory mode's host and agent) if it is killed before its own finally.
var root = Directory.CreateDirectory(Path.Combine(
    Environment.GetEnvironmentVariable("REMEDIATION_LAB_ROOT") is { Length: > 0 } labRoot ? labRoot : Path.GetTempPath(),
    $"rbench-{Environment.ProcessId}")).FullName;
try
{
    if (only is null or "probes")
    {
        await ProbeThroughputAsync(rows, root, LabDefinition.Minimal, "default lab");
        await ProbeThroughputAsync(rows, root, LabDefinition.Minimal with { TunedForLogins = true, ImapsListeners = Size.Of(100, 4) }, $"tuned lab, {Size.Of(200, 8)} endpoints");
    }

    if (only is null or "capacity")
    {
        await CapacityAsync(rows, root);
    }

    if (only is null or "storm")
    {
        await AlertStormAsync(rows);
    }

    if (only is null or "overhead")
    {
        await OrchestrationOverheadAsync(rows, root);
    }

    if (only is null or "detection")
    {
        await DetectionToActionAsync(rows, root);
    }

    if (only is null or "memory")
    {
        await MemoryBench.RunAsync(rows, root, memoryDuration);
    }

    if (only is null or "console")
    {
        await ConsoleBench.RunAsync(rows);
        await ConsoleTrafficBench.RunAsync(rows, root);
    }

    if (only is null or "storage")
    {
        await StorageBench.RunAsync(rows, root);
    }
}
finally
{
    Directory.Delete(root, recursive: true);
}

Console.WriteLine();
Console.WriteLine(Size.Smoke ? "Smoke size: every mode ran; the figures below are not measurements." : "");
Console.WriteLine($"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0:0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Table.Print(["benchmark", "what", "value", "baseline / peer", "ratio"], rows);
return 0;

static async Task ProbeThroughputAsync(List<string[]> rows, string root, LabDefinition definition, string labName)
{
    var Probes = Size.Of(400, 16);
    const int Concurrency = 8;
    await using var lab = await ImapLab.StartAsync(definition, Path.Combine(root, labName.Split(',')[0].Replace(' ', '-')));
    var mbx = lab.MailboxServers["MBX1"];
    var cas = lab.ClientAccessServers["CAS1"];
    var user = lab.Definition.MailboxServers[0];
    int[] dovecot = [mbx.Pid!.Value, cas.Pid!.Value];
    var options = new StaticOptions<ProbeOptions>(new ProbeOptions { Timeout = TimeSpan.FromSeconds(10) });
    var ctpServers = cas.ImapsPorts.Select(port => new ExchangeServerOptions
    {
        Name = "CAS1",
        Role = ServerRole.ClientAccess,
        FrontEnd = new() { Host = "localhost", Port = port, Security = ImapSecurity.Tls, TrustedCaFile = lab.Certificate.CaCertPath },
        ProbeMailbox = new() { User = user.ProbeUser, Password = user.ProbePassword, MailboxServer = "MBX1" },
    }).ToArray();
    var selfServers = mbx.ImapsPorts.Select(port => new ExchangeServerOptions
    {
        Name = "MBX1",
        Role = ServerRole.Mailbox,
        BackEnd = new() { Host = "localhost", Port = port, Security = ImapSecurity.Tls, TrustedCaFile = lab.Certificate.CaCertPath },
    }).ToArray();

    var ctp = new ImapCtpProbe(TimeProvider.System, options);
    var self = new ImapSelfTestProbe(TimeProvider.System, options);
    // Warm-up, not measured: JIT and tiered recompilation would otherwise be billed to the first series.
    await Measure.InProcessAsync(Size.Of(100, 4), Concurrency, dovecot, async i => (await ctp.RunAsync(ctpServers[i % ctpServers.Length], default)).Succeeded);
    await Measure.InProcessAsync(Size.Of(100, 4), Concurrency, dovecot, async i => (await self.RunAsync(selfServers[i % selfServers.Length], default)).Succeeded);

    var ours = await Measure.InProcessAsync(Probes, Concurrency, dovecot, async i => (await ctp.RunAsync(ctpServers[i % ctpServers.Length], default)).Succeeded);
    var curl = await Measure.ProcessesAsync(Probes, Concurrency, dovecot, "curl", i => ["-s", "--cacert", lab.Certificate.CaCertPath, "-u", $"{user.ProbeUser}:{user.ProbePassword}", $"imaps://localhost:{cas.ImapsPorts[i % cas.ImapsPorts.Count]}/INBOX", "-X", "NOOP"]);
    rows.AddRange(Measure.Compare($"CTP via CAS, {labName}", ours, curl, "curl"));

    var oursSelf = await Measure.InProcessAsync(Probes, Concurrency, dovecot, async i => (await self.RunAsync(selfServers[i % selfServers.Length], default)).Succeeded);
    const string CheckSimap = "/usr/lib/nagios/plugins/check_simap";
    var simap = File.Exists(CheckSimap)
        ? await Measure.ProcessesAsync(Probes, Concurrency, dovecot, CheckSimap, i => ["-H", "127.0.0.1", "-p", mbx.ImapsPorts[i % mbx.ImapsPorts.Count].ToString(CultureInfo.InvariantCulture), "-e", "* OK"])
        : null;
    rows.AddRange(Measure.Compare($"Self test, {labName}", oursSelf, simap, "check_simap"));
}

// 1,000 endpoints in flight at once through the product's own probe cycle (monitors included): 900 real ones
// (a lab tuned for logins, 100 listeners) and 100 black-holed (TCP accepted, nothing ever said).
static async Task CapacityAsync(List<string[]> rows, string root)
{
    var Real = Size.Of(900, 18);
    var Silent = Size.Of(100, 2);
    var timeout = TimeSpan.FromSeconds(Size.Of(15, 2));
    await using var lab = await ImapLab.StartAsync(LabDefinition.Minimal with { TunedForLogins = true, ImapsListeners = Size.Of(100, 2) }, Path.Combine(root, "capacity"));
    using var holes = new BlackHoles(Silent);
    var mbx = lab.MailboxServers["MBX1"];
    var settings = new Dictionary<string, string?>
    {
        ["Remediation:Probes:Timeout"] = timeout.ToString(),
        ["Remediation:Probes:MaxConcurrency"] = (Real + Silent).ToString(CultureInfo.InvariantCulture),
    };
    for (var i = 0; i < Real + Silent; i++)
    {
        var at = $"Remediation:Topology:Servers:{i}";
        settings[$"{at}:Name"] = $"EX{i:0000}";
        settings[$"{at}:Role"] = "Mailbox";
        settings[$"{at}:BackEnd:Host"] = "localhost";
        settings[$"{at}:BackEnd:Port"] = (i < Real ? mbx.ImapsPorts[i % mbx.ImapsPorts.Count] : holes.Ports[i - Real]).ToString(CultureInfo.InvariantCulture);
        settings[$"{at}:BackEnd:TrustedCaFile"] = lab.Certificate.CaCertPath;
    }

    var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
#pragma warning disable ASP0000 // the benchmark builds the engine on its own, outside any host
    await using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddRemediationEngine(configuration).BuildServiceProvider();
#pragma warning restore ASP0000
    var cycle = services.GetRequiredService<Remediation.Monitoring.ProbeCycle>();
    await cycle.RunAsync(Remediation.Monitoring.ProbeKinds.SelfTest, default); // warm-up: JIT, connection setup paths
    GC.Collect();
    var before = Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
    using var memory = new MemorySampler();
    var clock = Stopwatch.StartNew();
    var results = await cycle.RunAsync(Remediation.Monitoring.ProbeKinds.SelfTest, default);
    var wall = clock.Elapsed;
    var real = results.Where(r => int.Parse(r.Server[2..], CultureInfo.InvariantCulture) < Real).ToList();
    var silent = results.Except(real).ToList();
    var slowest = real.Max(r => r.LatencyMs);
    rows.Add(["capacity", $"{Real + Silent} self tests in flight ({Silent} black-holed), timeout {timeout.TotalSeconds:0} s: whole round", $"{wall.TotalSeconds:0.0} s", $"one timeout: {timeout.TotalSeconds:0} s", $"{wall / timeout:0.00}"]);
    rows.Add(["capacity", "real endpoints: succeeded / slowest", $"{real.Count(r => r.Succeeded)} of {Real} / {slowest / 1000:0.0} s", "", ""]);
    rows.Add(["capacity", "black-holed endpoints: timed out, reported after", $"{silent.Count(r => r.Result == ProbeOutcome.TimedOut)} of {Silent} / {silent.Max(r => r.LatencyMs) / 1000:0.0} s", $"{timeout.TotalSeconds:0} s", ""]);
    rows.Add(["capacity", "working set: before / peak during the round", $"{before:0} / {memory.PeakMiB:0} MiB", "", $"{(memory.PeakMiB - before) * 1024 / (Real + Silent):0} KiB per probe in flight"]);
}

static async Task AlertStormAsync(List<string[]> rows)
{
    var Servers = int.Parse(Environment.GetEnvironmentVariable("BENCH_SERVERS") ?? Size.Of(50, 3).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    var Alerts = Servers * Size.Of(200, 20);
    await using var host = await StartDryRunHostAsync(Servers, null);
    var publisher = host.App.Services.GetRequiredService<IAlertPublisher>();
    var pump = host.App.Services.GetRequiredService<AlertPump>();
    var queue = host.App.Services.GetRequiredService<InProcessAlertQueue>();
    for (var i = 0; i < Alerts; i++)
    {
        await publisher.PublishAsync(new Alert($"storm-{i}", $"EXMBX{i % Servers:00}", "IMAP.Protocol", "ImapSelfTestMonitor", "Bench", null, TimeProvider.System.GetUtcNow()), default);
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
    var runs = await host.App.Services.GetRequiredService<IRunLedger>().ListAsync(RunFilter.All, 1000, default);
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
    rows.Add(["alert storm", $"time until all {Servers} dry runs ended", $"{finished.TotalSeconds:0.00} s", "", $"{runs.Sum(r => r.Steps.Count) / finished.TotalSeconds:0} steps/s"]);
    rows.Add(["alert storm", "peak working set", $"{Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB", "", ""]);
}

// A standalone host that runs dry-run playbooks for that many servers whose IMAP port refuses at
// once (every re-probe fails fast), no agent: what is left is the orchestration's own cost.
static Task<RemediationHost> StartDryRunHostAsync(int servers, IDictionary<string, string?>? more)
{
    var settings = new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Logging:LogLevel:Default"] = "Error",
        ["Remediation:Probes:Enabled"] = "false",
        ["Remediation:Pump:Enabled"] = "false",
        ["Remediation:Recovery:DryRun"] = "true",
        ["Remediation:Probes:Timeout"] = "00:00:01",
        // Required since operators sign in (the storm and overhead modes stopped at start without it, unseen).
        ["Remediation:Identity:Mode"] = "Lab",
    };
    for (var i = 0; i < servers; i++)
    {
        settings[$"Remediation:Topology:Servers:{i}:Name"] = $"EXMBX{i:00}";
        settings[$"Remediation:Topology:Servers:{i}:Role"] = "Mailbox";
        settings[$"Remediation:Topology:Servers:{i}:BackEnd:Host"] = "localhost";
        settings[$"Remediation:Topology:Servers:{i}:BackEnd:Port"] = "1";
    }

    foreach (var (key, value) in more ?? new Dictionary<string, string?>())
    {
        settings[key] = value;
    }

    return RemediationHost.StartAsync([], b => b.Configuration.AddInMemoryCollection(settings));
}

// Starts one dry run per server at once and waits for them all; returns the wall time and the runs.
static async Task<(TimeSpan Wall, IReadOnlyList<RunRecord> Runs)> DryRunsAsync(RemediationHost host, int servers)
{
    var publisher = host.App.Services.GetRequiredService<IAlertPublisher>();
    var pump = host.App.Services.GetRequiredService<AlertPump>();
    var durable = host.App.Services.GetRequiredService<DurableTaskClient>();
    var since = TimeProvider.System.GetUtcNow();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < servers; i++)
    {
        await publisher.PublishAsync(new Alert($"overhead-{Guid.NewGuid():N}", $"EXMBX{i:00}", "IMAP.Protocol", "ImapSelfTestMonitor", "Bench", null, TimeProvider.System.GetUtcNow()), default);
    }

    await pump.RunOnceAsync(default);
    for (var i = 0; i < servers; i++)
    {
        await durable.WaitForInstanceCompletionAsync(Remediation.Recovery.RecoveryInstance.IdFor($"EXMBX{i:00}"));
    }

    // Until the last run's outcome was recorded, by the ledger's own close time (the orchestration's clock, this
    // machine's). Not the client's wait: on Azure Storage it polls the instance table every 2 s, which made every run
    // look like 2 s long whatever it cost.
    var runs = (await host.App.Services.GetRequiredService<IRunLedger>().ListAsync(RunFilter.All, 1000, default)).Where(r => r.StartedAt >= since).ToList();
    var wall = runs.Count == servers && runs.All(r => r.EndedAt is not null) ? runs.Max(r => r.EndedAt!.Value) - since : clock.Elapsed;
    return (wall, runs);
}

// Per-step latency and runs per second of dry-run playbooks, in memory and on Azure Storage (Azurite).
static async Task OrchestrationOverheadAsync(List<string[]> rows, string root)
{
    var Concurrent = Size.Of(20, 2);
    AzuriteInstance? azurite = null;
    try
    {
        azurite = await AzuriteInstance.StartAsync(Path.Combine(root, "azurite"));
    }
    catch (InvalidOperationException ex)
    {
        rows.Add(["orchestration overhead", "Azure Storage provider", "not measured", ex.Message, ""]);
    }

    try
    {
        var backends = new List<(string Name, Dictionary<string, string?>? Settings)> { ("embedded, in memory", null) };
        if (azurite is not null)
        {
            // Extended sessions off (the provider's default, and this product's before issue #30) and on, at the
            // product's default polling (1 s) and at 100 ms.
            foreach (var (polling, sessions) in new[] { (TimeSpan.FromSeconds(1), TimeSpan.Zero), (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), (TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30)) })
            {
                var hub = $"bench{polling.TotalMilliseconds:0}s{sessions.TotalSeconds:0}";
                backends.Add(($"Azure Storage on Azurite, polling <= {polling.TotalMilliseconds:0} ms, extended sessions {(sessions > TimeSpan.Zero ? "on" : "off")}", new Dictionary<string, string?>
                {
                    ["Remediation:Storage:ConnectionString"] = azurite.ConnectionString,
                    ["Remediation:Storage:TablePrefix"] = hub,
                    ["Remediation:TaskHub"] = hub,
                    ["Remediation:Durable:MaxQueuePollingInterval"] = polling.ToString(),
                    ["Remediation:Durable:ExtendedSessionIdleTimeout"] = sessions.ToString(),
                }));
            }
        }

        double? baseline = null;
        foreach (var (name, settings) in backends)
        {
            await using var host = await StartDryRunHostAsync(Concurrent, settings);
            await DryRunsAsync(host, 1); // warm-up: JIT, task hub creation, first lease
            var (single, one) = await DryRunsAsync(host, 1);
            var run = one.Single();
            var perStep = single.TotalMilliseconds / run.Steps.Count;
            baseline ??= perStep;
            rows.Add(["orchestration overhead", $"{name}: one dry run, per step ({run.Steps.Count} steps, {single.TotalSeconds:0.00} s)", $"{perStep:0} ms", "in memory", $"{perStep / baseline:0.00}"]);
            var (wall, runs) = await DryRunsAsync(host, Concurrent);
            var steps = runs.Sum(r => r.Steps.Count);
            rows.Add(["orchestration overhead", $"{name}: {Concurrent} dry runs at once", $"{Concurrent / wall.TotalSeconds:0.0} runs/s", "", $"{steps / wall.TotalSeconds:0} steps/s, {wall.TotalSeconds:0.0} s"]);
            var (ours, clients) = await PlanPreviewAnswerAsync(host);
            rows.Add(["orchestration overhead", $"{name}: plan preview answered (GET /api/plan's wait)", $"{ours.TotalMilliseconds:0} ms", $"client's own wait: {clients.TotalMilliseconds:0} ms", $"{ours / clients:0.00}"]);
        }
    }
    finally
    {
        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }
    }
}

// One plan preview of EXMBX00 as the API computes it, and the same orchestration waited for by the Durable client's own
// WaitForInstanceCompletionAsync (how the API waited before issue #30), each the median of three.
static async Task<(TimeSpan Ours, TimeSpan Clients)> PlanPreviewAnswerAsync(RemediationHost host)
{
    var services = host.App.Services;
    var plans = services.GetRequiredService<PlanPreviews>();
    var durable = services.GetRequiredService<DurableTaskClient>();
    var server = services.GetRequiredService<IOptionsMonitor<TopologyOptions>>().CurrentValue.Find("EXMBX00")!;
    var monitor = Remediation.Imap.ImapHealthModel.FindMonitor("ImapSelfTestMonitor")!;
    var settings = services.GetRequiredService<IOptionsMonitor<RecoverySettings>>().CurrentValue with { DryRun = true };
    var ours = new List<TimeSpan>();
    var clients = new List<TimeSpan>();
    for (var i = 0; i < 4; i++)
    {
        var clock = Stopwatch.StartNew();
        _ = await plans.PreviewAsync(durable, server, monitor, default) ?? throw new InvalidOperationException("The plan preview timed out.");
        ours.Add(clock.Elapsed);

        var id = $"bench-preview-{Guid.NewGuid():N}";
        var alert = new Alert(id, server.Name, monitor.HealthSet, monitor.Name, "Preview", null, TimeProvider.System.GetUtcNow());
        var request = new RecoveryRequest(id, server.Name, server.Role, monitor.HealthSet, monitor.Name, alert, settings, null, Preview: true, Version: RecoveryVersions.CurrentNumber);
        clock.Restart();
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(PlanPreviewOrchestrator), request, new Microsoft.DurableTask.StartOrchestrationOptions(id) { Version = RecoveryVersions.Current });
        await durable.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true);
        clients.Add(clock.Elapsed);
        await durable.PurgeInstanceAsync(id);
    }

    // The first of each is a warm-up (JIT, first lease).
    static TimeSpan Median(List<TimeSpan> all) => all.Skip(1).Order().ElementAt(1);
    return (Median(ours), Median(clients));
}

static async Task DetectionToActionAsync(List<string[]> rows, string root)
{
    var Trials = Size.Of(5, 1);
    var interval = TimeSpan.FromSeconds(1);
    const int Threshold = 3;
    var pumpPeriod = TimeSpan.FromMilliseconds(100);
    await using var host = await LabHost.StartAsync([], new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Lab:Directory"] = Path.Combine(root, "detect"),
        ["Logging:LogLevel:Default"] = "Error",
        ["Remediation:Probes:Interval"] = interval.ToString(),
        ["Remediation:Probes:Timeout"] = "00:00:02",
        ["Remediation:Monitors:ConsecutiveFailures"] = Threshold.ToString(CultureInfo.InvariantCulture),
        ["Remediation:Pump:Interval"] = pumpPeriod.ToString(),
    });
    var ledger = host.App.Services.GetRequiredService<IRunLedger>();
    var toAction = new List<double>();
    var toEnd = new List<double>();
    var outcomes = new List<RunOutcome>();
    for (var trial = 0; trial < Trials; trial++)
    {
        // Healthy for a while, then a kill at a different point of the probe cycle each time.
        await Task.Delay(interval * (Threshold + 1) + interval * trial / Trials);
        var killedAt = TimeProvider.System.GetUtcNow();
        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);
        RunRecord? run = null;
        for (var i = 0; i < 600 && run is null or { Outcome: RunOutcome.Running }; i++)
        {
            await Task.Delay(50);
            var latest = await ledger.ListAsync(new RunFilter("MBX1"), 1, default);
            run = latest.Count > 0 && latest[0].StartedAt >= killedAt ? latest[0] : null;
        }

        toAction.Add((run!.Steps.First(s => s.Name.StartsWith("Restart ", StringComparison.Ordinal)).StartedAt - killedAt).TotalSeconds);
        toEnd.Add((run.EndedAt!.Value - killedAt).TotalSeconds);
        outcomes.Add(run.Outcome);
    }

    var floor = (interval * Threshold + pumpPeriod).TotalSeconds;
    var best = (interval * (Threshold - 1)).TotalSeconds;
    string Range(List<double> values) => $"{values.Order().ElementAt(values.Count / 2):0.00} s (min {values.Min():0.00}, max {values.Max():0.00})";
    rows.Add(["detection to action", $"kill back end -> first remediation step, median of {Trials} (interval {interval.TotalSeconds} s x {Threshold}, pump {pumpPeriod.TotalMilliseconds} ms)", Range(toAction), $"floor {floor:0.00} s (best case {best:0.00} s)", $"{toAction.Order().ElementAt(Trials / 2) / floor:0.00}"]);
    rows.Add(["detection to action", $"kill back end -> run ended ({string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Count()} {g.Key}"))})", Range(toEnd), $"floor {floor:0.00} s", $"{toEnd.Order().ElementAt(Trials / 2) / floor:0.00}"]);
}

/// <summary>Listeners that accept TCP connections and never say a word: endpoints black-holed above TCP.</summary>
sealed class BlackHoles : IDisposable
{
    readonly List<System.Net.Sockets.TcpListener> listeners = [];
    readonly List<System.Net.Sockets.Socket> held = [];
    readonly CancellationTokenSource stop = new();

    public BlackHoles(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start(1000);
            listeners.Add(listener);
            _ = HoldAsync(listener);
        }
    }

    public IReadOnlyList<int> Ports => [.. listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port)];

    async Task HoldAsync(System.Net.Sockets.TcpListener listener)
    {
        try
        {
            while (true)
            {
                var socket = await listener.AcceptSocketAsync(stop.Token);
                lock (held)
                {
                    held.Add(socket);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        lock (held)
        {
            held.ForEach(s => s.Dispose());
        }

        stop.Dispose();
    }
}

sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

/// <summary>The full size of a benchmark, or its smoke size (seconds: the test command runs every mode so none rots).</summary>
static class Size
{
    public static bool Smoke { get; set; }

    public static int Of(int full, int smoke) => Smoke ? smoke : full;
}
