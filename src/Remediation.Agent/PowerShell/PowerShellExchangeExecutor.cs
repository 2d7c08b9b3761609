using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Microsoft.Extensions.Options;
using Remediation.Agent.Operations;
using Remediation.AgentApi;
using Remediation.Imap;
using PS = System.Management.Automation.PowerShell;

namespace Remediation.Agent.PowerShell;

/// <summary>
/// Runs the allow-listed Exchange operations through the PowerShell SDK. Every cmdlet is built with
/// AddCommand/AddParameter: values travel as parameter values and are never parsed as script. PowerShell errors
/// become <see cref="ExchangeOperationException"/> carrying the cmdlet's own message. One runspace per server (the
/// agent manages a handful), each used one command at a time: a slow restart on one server never holds up another
/// server's reads and safety checks; a broken runspace is replaced on its next use.
/// </summary>
public sealed class PowerShellExchangeExecutor : IExchangeExecutor, IDisposable
{
    /// <summary>The cmdlets imported from the Exchange session: nothing else is.</summary>
    public static readonly string[] ExchangeCmdlets =
        ["Get-ServerHealth", "Invoke-MonitoringProbe", "Set-MailboxServer", "Get-MailboxServer", "Get-MailboxDatabaseCopyStatus", "Get-ImapSettings", "Set-ImapSettings"];

    static readonly string[] ImapCounterPaths = [@"\MSExchangeImap4\Average Command Processing Time", @"\MSExchangeImap4\Requests Queued"];

    readonly PowerShellOptions options;
    readonly TimeProvider time;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, ServerShell> shells = new(StringComparer.OrdinalIgnoreCase);

    sealed class ServerShell : IDisposable
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Runspace? Runspace { get; set; }

        public void Dispose()
        {
            Runspace?.Dispose();
            Gate.Dispose();
        }
    }

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
                Enum.TryParse<HealthState>(Text(r, "AlertValue"), true, out var state) ? state : HealthState.Disabled,
                r.Properties["LastTransitionTime"]?.Value is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : time.GetUtcNow()))]);
    }

    /// <inheritdoc />
    public async Task<MonitoringProbeResult> InvokeMonitoringProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var result = First(await InvokeAsync("Invoke-MonitoringProbe", server, cancellationToken, ("Identity", $"{healthSet}\\{probe}"), ("Server", server)))
            ?? throw new ExchangeOperationException("Invoke-MonitoringProbe", "returned no result.");
        return new MonitoringProbeResult(server, $"{healthSet}\\{probe}", Text(result, "Result"), Text(result, "Error") is { Length: > 0 } e ? e : null, time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc />
    public async Task<RestartResult> RestartServiceAsync(string server, string service, CancellationToken cancellationToken)
    {
        // Only an allow-listed constant reaches the WMI filter, never the caller's string.
        var name = ImapServices.All.First(s => string.Equals(s, service, StringComparison.OrdinalIgnoreCase));
        var started = time.GetTimestamp();
        var filter = $"Name='{name}'";
        await InvokeAsync("Invoke-CimMethod", server, cancellationToken, ("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", filter), ("MethodName", "StopService"));
        await WaitForServiceAsync(server, filter, "Stopped", cancellationToken);
        await InvokeAsync("Invoke-CimMethod", server, cancellationToken, ("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", filter), ("MethodName", "StartService"));
        await WaitForServiceAsync(server, filter, "Running", cancellationToken);
        return new RestartResult(server, name, true, time.GetElapsedTime(started).TotalMilliseconds, $"{name} restarted.");
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
    public async Task<DatabaseCopyStatus> GetDatabaseCopyStatusAsync(string server, CancellationToken cancellationToken)
    {
        var rows = await InvokeAsync("Get-MailboxDatabaseCopyStatus", server, cancellationToken, ("Server", server));

        // Copies on a server whose activation is disabled cannot take over: the safety gate must know.
        var mailboxServer = First(await InvokeAsync("Get-MailboxServer", server, cancellationToken, ("Identity", server)));
        bool? activationDisabled = mailboxServer is null ? null : bool.TryParse(Text(mailboxServer, "DatabaseCopyActivationDisabledAndMoveNow"), out var disabled) && disabled;
        return new DatabaseCopyStatus(server, [.. rows.Select(r => new DatabaseCopy(
            Text(r, "DatabaseName") is { Length: > 0 } d ? d : Text(r, "Name").Split('\\')[0],
            Text(r, "MailboxServer") is { Length: > 0 } m ? m : server,
            Text(r, "Status"),
            int.TryParse(Text(r, "ActivationPreference"), out var p) ? p : 0))], activationDisabled);
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
            ("Counter", ImapCounterPaths));
        var values = samples.SelectMany(s => s.Properties["CounterSamples"]?.Value is System.Collections.IEnumerable e ? e.Cast<object>().Select(PSObject.AsPSObject) : [])
            .ToDictionary(s => Text(s, "Path").Split('\\').Last().ToUpperInvariant(), s => Convert.ToDouble(s.Properties["CookedValue"]?.Value ?? 0, System.Globalization.CultureInfo.InvariantCulture));
        return new ImapCounters(server, values.GetValueOrDefault("AVERAGE COMMAND PROCESSING TIME"), (long)values.GetValueOrDefault("REQUESTS QUEUED"));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var shell in shells.Values)
        {
            shell.Dispose();
        }
    }

    async Task WaitForServiceAsync(string server, string filter, string state, CancellationToken cancellationToken)
    {
        while (true)
        {
            var service = First(await InvokeAsync("Get-CimInstance", server, cancellationToken, ("ComputerName", server), ("ClassName", "Win32_Service"), ("Filter", filter)));
            if (string.Equals(Text(service, "State"), state, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }
    }

    async Task<IReadOnlyList<PSObject>> InvokeAsync(string cmdlet, string server, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var serverShell = shells.GetOrAdd(server, _ => new ServerShell());
        await serverShell.Gate.WaitAsync(cancellationToken);
        try
        {
            if (serverShell.Runspace is not { RunspaceStateInfo.State: RunspaceState.Opened })
            {
                serverShell.Runspace?.Dispose();
                serverShell.Runspace = null;
                serverShell.Runspace = await OpenAsync(cancellationToken);
            }

            using var shell = PS.Create(serverShell.Runspace);
            shell.AddCommand(cmdlet);
            foreach (var (name, value) in parameters)
            {
                shell.AddParameter(name, value);
            }

            await using var stop = cancellationToken.Register(() => shell.BeginStop(null, null));
            var output = await shell.InvokeAsync();
            if (shell.HadErrors || shell.Streams.Error.Count > 0)
            {
                throw new ExchangeOperationException(cmdlet, shell.Streams.Error.FirstOrDefault()?.ToString() ?? "failed without an error record.");
            }

            return [.. output];
        }
        catch (RuntimeException ex)
        {
            throw new ExchangeOperationException(cmdlet, ex.Message);
        }
        finally
        {
            serverShell.Gate.Release();
        }
    }

    async Task<Runspace> OpenAsync(CancellationToken cancellationToken)
    {
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.RemoteSigned;
        }

        foreach (var module in options.ModulePaths)
        {
            state.ImportPSModule(module);
        }

        var opened = RunspaceFactory.CreateRunspace(state);
        opened.Open();
        if (options.ConnectionUri is { } uri)
        {
            using var shell = PS.Create(opened);
            shell.AddCommand("New-PSSession").AddParameter("ConfigurationName", "Microsoft.Exchange").AddParameter("ConnectionUri", uri).AddParameter("Authentication", options.Authentication);
            var session = (await shell.InvokeAsync()).FirstOrDefault() ?? throw new ExchangeOperationException("New-PSSession", shell.Streams.Error.FirstOrDefault()?.ToString() ?? "no session.");
            shell.Commands.Clear();
            shell.AddCommand("Import-PSSession").AddParameter("Session", session).AddParameter("CommandName", ExchangeCmdlets).AddParameter("AllowClobber", true);
            await shell.InvokeAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return opened;
    }

    static PSObject? First(IReadOnlyList<PSObject> output) => output.Count > 0 ? output[0] : null;

    static string Text(PSObject? value, string property) => value?.Properties[property]?.Value?.ToString() ?? "";
}
