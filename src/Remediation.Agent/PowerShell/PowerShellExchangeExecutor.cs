using System.Management.Automation;
using Microsoft.Extensions.Options;
using Remediation.Agent.Operations;
using Remediation.AgentApi;
using Remediation.Imap;

namespace Remediation.Agent.PowerShell;

/// <summary>
/// Runs the allow-listed Exchange operations through the PowerShell SDK. Every cmdlet is built with
/// AddCommand/AddParameter: values travel as parameter values and are never parsed as script. PowerShell errors
/// become <see cref="ExchangeOperationException"/> carrying the cmdlet's own message. One runspace per server (the
/// agent manages a handful), each used one command at a time: a slow restart on one server never holds up another
/// server's reads and safety checks; a broken runspace is replaced on its next use.
/// </summary>
public sealed partial class PowerShellExchangeExecutor : IExchangeExecutor, IDisposable
{
    /// <summary>
    /// Every Exchange cmdlet the agent runs, with exactly the parameters it passes (common parameters such as -Confirm
    /// aside): what the agent's account needs from Exchange RBAC (Test-AgentPermissions.ps1 holds the same table, and
    /// a test holds both to the calls the executor really makes).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> ExchangeParameters = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["Get-ServerHealth"] = ["Identity"],
        ["Invoke-MonitoringProbe"] = ["Identity", "Server"],
        ["Set-MailboxServer"] = ["Identity", "DatabaseCopyActivationDisabledAndMoveNow"],
        ["Get-MailboxServer"] = ["Identity"],
        ["Get-MailboxDatabaseCopyStatus"] = ["Server"],
        ["Get-ImapSettings"] = ["Server"],
        ["Set-ImapSettings"] = ["Server", "ProtocolLogEnabled"],
        ["Move-ActiveMailboxDatabase"] = ["ActivatePreferredOnServer"],
        ["Get-ServerComponentState"] = ["Identity"],
    };

    /// <summary>The cmdlets imported from the Exchange session: nothing else is.</summary>
    public static readonly string[] ExchangeCmdlets = [.. ExchangeParameters.Keys];

    // The counter Managed Availability's AverageCommandProcessingTimeGt60sMonitor watches (Exchange 2013's
    // ImapDiscovery.CreatePerfAndMonitors: "MSExchangeImap4\Average Command Processing Time (milliseconds)", over
    // 60000 for 2 samples); every instance, the worst one counts. Exchange defines no IMAP counter for
    // RequestsQueuedGt500Monitor (its Managed Availability code has that monitor for ActiveSync only, on
    // "MSExchange Throttling\Task queue length"): nothing is read for it (docs/agent.md).
    internal const string CommandTimeCounter = @"\MSExchangeImap4(*)\Average Command Processing Time (milliseconds)";

    // Win32_Service's StopService/StartService answers (Microsoft's documentation of the Win32_Service methods):
    // 0 the request was accepted; 6 the service has not been started (nothing to stop); 10 already running.
    static readonly Dictionary<uint, string> ServiceAnswers = new()
    {
        [0] = "the request was accepted",
        [1] = "not supported",
        [2] = "access denied",
        [3] = "dependent services are running",
        [5] = "the service cannot accept control messages now",
        [6] = "the service has not been started",
        [7] = "the service did not respond in time",
        [8] = "unknown failure",
        [10] = "the service is already running",
        [14] = "the service is disabled",
        [15] = "the service's logon failed",
    };

    readonly PowerShellOptions options;
    readonly TimeProvider time;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, ServerShell> shells = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the executor; the runspace opens on first use.</summary>
    public PowerShellExchangeExecutor(IOptions<PowerShellOptions> options, TimeProvider time)
    {
        this.options = options.Value;
        this.time = time;
    }

    /// <inheritdoc />
    public async Task<ServerHealthReport> GetServerHealthAsync(string server, CancellationToken cancellationToken)
    {
        var rows = await InvokeAsync("Get-ServerHealth", server, cancellationToken, ("Identity", server));
        return new ServerHealthReport(server, [.. rows
            .Where(r => Text(r, "HealthSetName").StartsWith("IMAP", StringComparison.OrdinalIgnoreCase))
            .Select(r => new ServerHealthRow(
                Text(r, "Server") is { Length: > 0 } s ? s : server,
                Text(r, "Name"),
                Text(r, "TargetResource"),
                Text(r, "HealthSetName"),
                Enum.TryParse<HealthState>(Text(r, "AlertValue"), true, out var state) && Enum.IsDefined(state) ? state : HealthState.Unknown,
                r.Properties["LastTransitionTime"]?.Value is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : time.GetUtcNow()))]);
    }

    /// <inheritdoc />
    public async Task<MonitoringProbeResult> InvokeMonitoringProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var result = First(await InvokeAsync("Invoke-MonitoringProbe", server, cancellationToken, ("Identity", $"{healthSet}\\{probe}"), ("Server", server)))
            ?? throw new ExchangeOperationException("Invoke-MonitoringProbe", "returned no result.");
        // A probe result's verdict is its ResultType (Managed Availability's ProbeResult; see ProbeResultTypes), by name
        // or by number; "Result" is read only when ResultType is absent (the runbook's wording).
        var type = Text(result, "ResultType") is { Length: > 0 } t ? t : Text(result, "Result");
        return new MonitoringProbeResult(server, $"{healthSet}\\{probe}", ProbeResultTypes.Normalize(type),
            Text(result, "Error") is { Length: > 0 } e ? e : null, time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc />
    /// <remarks>
    /// StopService and StartService are instance methods of Win32_Service: the instance is read with Get-CimInstance and
    /// piped to Invoke-CimMethod (Invoke-CimMethod has no -Filter; with -ClassName it calls static methods). Each
    /// ReturnValue is checked, and whatever happens between the two calls, the answer says the state the service was
    /// read back in: a service left stopped is reported, never "restarted".
    /// </remarks>
    public async Task<RestartResult> RestartServiceAsync(string server, string service, CancellationToken cancellationToken)
    {
        // Only an allow-listed constant reaches the WMI filter, never the caller's string.
        var name = ImapServices.All.First(s => string.Equals(s, service, StringComparison.OrdinalIgnoreCase));
        var started = time.GetTimestamp();
        var stop = await ServiceMethodAsync(server, name, "StopService", cancellationToken);
        if (stop is not (0 or 6))
        {
            var state = await WaitForServiceAsync(server, name, "Stopped", TimeSpan.Zero, cancellationToken);
            return new RestartResult(server, name, string.Equals(state, "Running", StringComparison.OrdinalIgnoreCase), time.GetElapsedTime(started).TotalMilliseconds,
                $"StopService on {name} answered {stop} ({Meaning(stop)}): not restarted; read back: {state}.");
        }

        var stopped = await WaitForServiceAsync(server, name, "Stopped", ServiceWait, cancellationToken);
        var start = await ServiceMethodAsync(server, name, "StartService", cancellationToken);
        var now = await WaitForServiceAsync(server, name, "Running", start is 0 or 10 ? ServiceWait : TimeSpan.Zero, cancellationToken);
        var running = string.Equals(now, "Running", StringComparison.OrdinalIgnoreCase);
        var restarted = running && string.Equals(stopped, "Stopped", StringComparison.OrdinalIgnoreCase);
        return new RestartResult(server, name, running, time.GetElapsedTime(started).TotalMilliseconds, running
            ? $"{name} {(restarted ? "restarted" : "running but never read back Stopped")}: StopService {stop}, read back {stopped}; StartService {start}; read back Running."
            : $"{name} is {now} after StartService answered {start} ({Meaning(start)}): it was stopped and is NOT running.", restarted);
    }

    /// <summary>How long a restart waits for the service to reach Stopped, then Running.</summary>
    static readonly TimeSpan ServiceWait = TimeSpan.FromSeconds(90);

    static string Meaning(uint answer) => ServiceAnswers.TryGetValue(answer, out var meaning) ? meaning : "an error";

    // Get-CimInstance Win32_Service -Filter "Name='X'" | Invoke-CimMethod -MethodName M: ReturnValue.
    async Task<uint> ServiceMethodAsync(string server, string name, string method, CancellationToken cancellationToken)
    {
        var answer = First(await InvokeAsync(server, cancellationToken,
            new Command("Get-CimInstance", ("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", $"Name='{name}'")),
            new Command("Invoke-CimMethod", ("MethodName", method))))
            ?? throw new ExchangeOperationException("Invoke-CimMethod", $"{method} on {name} returned nothing: is the service installed on {server}?");
        return uint.TryParse(Text(answer, "ReturnValue"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ExchangeOperationException("Invoke-CimMethod", $"{method} on {name} answered no ReturnValue.");
    }

    /// <inheritdoc />
    public async Task<ServerRestartStarted> RestartServerAsync(string server, CancellationToken cancellationToken)
    {
        // The boot time before is what tells "back" from "not gone down yet": without it, nothing is restarted.
        var booted = LastBoot(First(await InvokeAsync("Get-CimInstance", server, cancellationToken, ("ComputerName", server), ("ClassName", "Win32_OperatingSystem"))))
            ?? throw new ExchangeOperationException("Get-CimInstance", $"Win32_OperatingSystem of {server} has no LastBootUpTime: it was not restarted.");
        await InvokeAsync("Restart-Computer", server, cancellationToken, ("ComputerName", server), ("Force", true));
        return new ServerRestartStarted(server, booted, $"Restart-Computer -Force issued; {server} had booted at {booted:u}.");
    }

    /// <inheritdoc />
    public async Task<ServerState> GetServerStateAsync(string server, CancellationToken cancellationToken)
    {
        try
        {
            var os = First(await InvokeAsync("Get-CimInstance", server, cancellationToken, ("ComputerName", server), ("ClassName", "Win32_OperatingSystem")));
            var services = await InvokeAsync("Get-CimInstance", server, cancellationToken, ("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", ImapServiceFilter));
            var states = services.ToDictionary(s => Text(s, "Name"), s => Text(s, "State"), StringComparer.OrdinalIgnoreCase);
            return new ServerState(server, true, LastBoot(os), states, $"Booted {LastBoot(os):u}; {string.Join(", ", states.Select(kv => $"{kv.Key} {kv.Value}"))}.");
        }
        catch (ExchangeOperationException ex)
        {
            // While it reboots WinRM does not answer: that is a state, not a failure.
            return new ServerState(server, false, null, new Dictionary<string, string>(), ex.Message);
        }
    }

    /// <summary>The WMI filter over the IMAP4 services (allow-listed constants only).</summary>
    static string ImapServiceFilter => string.Join(" OR ", ImapServices.All.Select(s => $"Name='{s}'"));

    // The value may come wrapped in a PSObject (Get-Date adds a note property): read its base object.
    static DateTimeOffset? LastBoot(PSObject? os) =>
        os?.Properties["LastBootUpTime"]?.Value is { } value && PSObject.AsPSObject(value).BaseObject is DateTime t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : null;

    /// <inheritdoc />
    public Task SetDatabaseCopyActivationAsync(string server, bool disabledAndMoveNow, CancellationToken cancellationToken) =>
        InvokeAsync("Set-MailboxServer", server, cancellationToken, ("Identity", server), ("DatabaseCopyActivationDisabledAndMoveNow", disabledAndMoveNow), ("Confirm", false));

    /// <inheritdoc />
    public Task ActivatePreferredOnServerAsync(string server, CancellationToken cancellationToken) =>
        InvokeAsync("Move-ActiveMailboxDatabase", server, cancellationToken, ("ActivatePreferredOnServer", server), ("Confirm", false));

    /// <inheritdoc />
    public async Task<ServerComponentStates> GetServerComponentStatesAsync(string server, CancellationToken cancellationToken)
    {
        var rows = await InvokeAsync("Get-ServerComponentState", server, cancellationToken, ("Identity", server));
        return new ServerComponentStates(server, [.. rows.Select(r => new ComponentState(Text(r, "Component"), Text(r, "State")))]);
    }

    /// <inheritdoc />
    public async Task<DatabaseCopyStatus> GetDatabaseCopyStatusAsync(string server, CancellationToken cancellationToken)
    {
        var rows = await InvokeAsync("Get-MailboxDatabaseCopyStatus", server, cancellationToken, ("Server", server));

        // Copies on a server whose activation is disabled or Blocked cannot take over: the safety gate must know.
        var mailboxServer = First(await InvokeAsync("Get-MailboxServer", server, cancellationToken, ("Identity", server)));
        bool? activationDisabled = mailboxServer is null ? null : bool.TryParse(Text(mailboxServer, "DatabaseCopyActivationDisabledAndMoveNow"), out var disabled) && disabled;
        var policy = Text(mailboxServer, "DatabaseCopyAutoActivationPolicy") is { Length: > 0 } p ? p : null;
        return new DatabaseCopyStatus(server, [.. rows.Select(r => new DatabaseCopy(
            Text(r, "DatabaseName") is { Length: > 0 } d ? d : Text(r, "Name").Split('\\')[0],
            Text(r, "MailboxServer") is { Length: > 0 } m ? m : server,
            Text(r, "Status"),
            int.TryParse(Text(r, "ActivationPreference"), out var preference) ? preference : 0,
            Text(r, "ActiveDatabaseCopy") is { Length: > 0 } active ? active : null,
            long.TryParse(Text(r, "CopyQueueLength"), out var copyQueue) ? copyQueue : null,
            long.TryParse(Text(r, "ReplayQueueLength"), out var replayQueue) ? replayQueue : null))], activationDisabled, policy);
    }

    /// <inheritdoc />
    public async Task<ImapSettings> GetImapSettingsAsync(string server, CancellationToken cancellationToken)
    {
        var settings = First(await InvokeAsync("Get-ImapSettings", server, cancellationToken, ("Server", server)))
            ?? throw new ExchangeOperationException("Get-ImapSettings", "returned no settings.");
        return new ImapSettings(server, bool.TryParse(Text(settings, "ProtocolLogEnabled"), out var on) && on, Text(settings, "LogFileLocation"));
    }

    /// <inheritdoc />
    public Task SetImapSettingsAsync(string server, bool protocolLogEnabled, CancellationToken cancellationToken) =>
        InvokeAsync("Set-ImapSettings", server, cancellationToken, ("Server", server), ("ProtocolLogEnabled", protocolLogEnabled), ("Confirm", false));

    /// <inheritdoc />
    public async Task<ImapCounters> GetImapCountersAsync(string server, CancellationToken cancellationToken)
    {
        var samples = await InvokeAsync("Get-Counter", server, cancellationToken,
            ("ComputerName", server),
            ("Counter", new[] { CommandTimeCounter }));
        var values = samples.SelectMany(s => s.Properties["CounterSamples"]?.Value is System.Collections.IEnumerable e ? e.Cast<object>().Select(PSObject.AsPSObject) : [])
            .Where(s => Text(s, "Path").EndsWith(@"\average command processing time (milliseconds)", StringComparison.OrdinalIgnoreCase))
            .Select(s => Convert.ToDouble(s.Properties["CookedValue"]?.Value ?? 0, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        return values.Count == 0
            ? throw new ExchangeOperationException("Get-Counter", $"{CommandTimeCounter} returned no sample on {server}.")
            : new ImapCounters(server, values.Max(), null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var shell in shells.Values)
        {
            shell.Dispose();
        }
    }

    // The service's State read back until it is <paramref name="state"/> or <paramref name="atMost"/> has passed; the last reading.
    async Task<string> WaitForServiceAsync(string server, string name, string state, TimeSpan atMost, CancellationToken cancellationToken)
    {
        var since = time.GetTimestamp();
        while (true)
        {
            var service = First(await InvokeAsync("Get-CimInstance", server, cancellationToken, ("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", $"Name='{name}'")));
            var now = Text(service, "State") is { Length: > 0 } read ? read : "not found";
            if (string.Equals(now, state, StringComparison.OrdinalIgnoreCase) || time.GetElapsedTime(since) >= atMost)
            {
                return now;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }
    }
}
