using Remediation.Agent.Operations;
using Remediation.AgentApi;
using Remediation.Imap;

namespace Remediation.Lab.Agent;

/// <summary>Lab settings of the agent.</summary>
public sealed class LabAgentOptions
{
    public const string Section = "Agent:Lab";

    /// <summary>How long a restarted lab server stays unreachable before its OS answers again (minutes on Exchange).</summary>
    public TimeSpan BootDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long after the OS its IMAP4 services start (Exchange's services start minutes after Windows).</summary>
    public TimeSpan ImapStartDelay { get; set; } = TimeSpan.FromMilliseconds(700);

    /// <summary>How long a database moved by a fail-over reads Dismounting/Mounting before it settles (seconds on Exchange).</summary>
    public TimeSpan MoveDuration { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Backs the agent's API with the lab organisation: restarting MSExchangeIMAP4BE on a lab mailbox server really
/// restarts its Dovecot back end; a drain really moves the lab's active copies; faults can make any operation fail or hang.
/// </summary>
public sealed class LabExchangeExecutor(LabOrganisation organisation, LabFaults faults, TimeProvider time) : IExchangeExecutor
{
    /// <inheritdoc />
    public async Task<ServerHealthReport> GetServerHealthAsync(string server, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(AgentOperation.GetServerHealth, server, "Get-ServerHealth", cancellationToken);
        Known(server, "Get-ServerHealth");
        var now = time.GetUtcNow();
        var rows = new List<ServerHealthRow>();
        foreach (var monitor in ImapHealthModel.Monitors)
        {
            if (await StateAsync(server, monitor, cancellationToken) is { } state)
            {
                rows.Add(new ServerHealthRow(server, monitor.Name, monitor.TargetResource, monitor.HealthSet, state, TransitionTime(server, monitor.Name, state, now)));
            }
        }

        return new ServerHealthReport(server, rows);
    }

    // Get-ServerHealth's LastTransitionTime is when the monitor last changed state, not when it was asked: the lab keeps
    // the first time it answered each state (a stand-in that said "now" made every monitor look freshly changed).
    readonly System.Collections.Concurrent.ConcurrentDictionary<(string Server, string Monitor), (HealthState State, DateTimeOffset Since)> transitions = new();

    DateTimeOffset TransitionTime(string server, string monitor, HealthState state, DateTimeOffset now) =>
        transitions.AddOrUpdate((server.ToUpperInvariant(), monitor), (state, now), (_, seen) => seen.State == state ? seen : (state, now)).Since;

    /// <inheritdoc />
    public async Task<MonitoringProbeResult> InvokeMonitoringProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(AgentOperation.InvokeMonitoringProbe, server, "Invoke-MonitoringProbe", cancellationToken);
        Known(server, "Invoke-MonitoringProbe");
        var monitor = ImapHealthModel.Monitors.FirstOrDefault(m => string.Equals(m.Probe, probe, StringComparison.OrdinalIgnoreCase) && string.Equals(m.HealthSet, healthSet, StringComparison.OrdinalIgnoreCase))
            ?? throw new ExchangeOperationException("Invoke-MonitoringProbe", $"The probe {healthSet}\\{probe} was not found.");
        var started = time.GetTimestamp();
        var state = await StateAsync(server, monitor, cancellationToken);
        return new MonitoringProbeResult(server, $"{healthSet}\\{probe}", state == HealthState.Healthy ? ProbeResultTypes.Succeeded : ProbeResultTypes.Failed,
            state == HealthState.Healthy ? null : $"{monitor.TargetResource} on {server} does not answer.", time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc />
    public async Task<RestartResult> RestartServiceAsync(string server, string service, CancellationToken cancellationToken)
    {
        var effective = await faults.ApplyAsync(AgentOperation.RestartService, server, "Restart-Service", cancellationToken);
        Known(server, "Restart-Service");
        var process = organisation.ServiceProcess(server, service)
            ?? throw new ExchangeOperationException("Restart-Service", $"Cannot find any service with service name '{service}' on {server}.");
        var started = time.GetTimestamp();
        organisation.CountRestart(server);
        if (effective)
        {
            await process.StopAsync();
            await process.StartAsync(cancellationToken);
            organisation.ImapServiceStarted(server);
        }

        // What was seen, as the real executor reads the service back: "restarted" only when it runs again afterwards.
        var seen = !effective ? $"{service} never stopped (pid {process.Pid})."
            : process.IsRunning ? $"{service} restarted (pid {process.Pid})."
            : $"{service} stopped and did not start again: read back Stopped.";
        return new RestartResult(server, service, process.IsRunning, time.GetElapsedTime(started).TotalMilliseconds, seen, effective && process.IsRunning);
    }

    /// <inheritdoc />
    public async Task<ServerRestartStarted> RestartServerAsync(string server, CancellationToken cancellationToken)
    {
        var effective = await faults.ApplyAsync(AgentOperation.RestartServer, server, "Restart-Computer", cancellationToken);
        Known(server, "Restart-Computer");
        organisation.CountRestart(server);
        var before = organisation.BeginRestart(server, effective);
        return new ServerRestartStarted(server, before, $"Restart-Computer -Force issued; {server} had booted at {before:u}.");
    }

    /// <inheritdoc />
    public async Task<ServerState> GetServerStateAsync(string server, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(AgentOperation.GetServerState, server, "Get-CimInstance", cancellationToken);
        Known(server, "Get-CimInstance");
        return organisation.State(server);
    }

    /// <inheritdoc />
    public async Task SetDatabaseCopyActivationAsync(string server, bool disabledAndMoveNow, CancellationToken cancellationToken)
    {
        var effective = await faults.ApplyAsync(AgentOperation.SetDatabaseCopyActivation, server, "Set-MailboxServer", cancellationToken);
        MailboxServer(server, "Set-MailboxServer");
        if (effective)
        {
            organisation.SetActivationDisabled(server, disabledAndMoveNow);
        }
    }

    /// <inheritdoc />
    public async Task<ServerComponentStates> GetServerComponentStatesAsync(string server, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(AgentOperation.GetServerComponentState, server, "Get-ServerComponentState", cancellationToken);
        Known(server, "Get-ServerComponentState");
        return organisation.ComponentStates(server);
    }

    /// <inheritdoc />
    public async Task ActivatePreferredOnServerAsync(string server, CancellationToken cancellationToken)
    {
        var effective = await faults.ApplyAsync(AgentOperation.ActivatePreferredOnServer, server, "Move-ActiveMailboxDatabase", cancellationToken);
        MailboxServer(server, "Move-ActiveMailboxDatabase");
        if (effective)
        {
            organisation.ActivatePreferredOn(server);
        }
    }

    /// <inheritdoc />
    public async Task<DatabaseCopyStatus> GetDatabaseCopyStatusAsync(string server, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(AgentOperation.GetDatabaseCopyStatus, server, "Get-MailboxDatabaseCopyStatus", cancellationToken);
        MailboxServer(server, "Get-MailboxDatabaseCopyStatus");
        return organisation.CopyStatus(server);
    }

    /// <inheritdoc />
    public async Task<ImapSettings> GetImapSettingsAsync(string server, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(AgentOperation.GetImapSettings, server, "Get-ImapSettings", cancellationToken);
        Known(server, "Get-ImapSettings");
        return new ImapSettings(server, organisation.ProtocolLogEnabled(server), Path.Combine(organisation.Lab.Directory, server.ToLowerInvariant(), "Logging", "Imap4"));
    }

    /// <inheritdoc />
    public async Task SetImapSettingsAsync(string server, bool protocolLogEnabled, CancellationToken cancellationToken)
    {
        var effective = await faults.ApplyAsync(AgentOperation.SetImapSettings, server, "Set-ImapSettings", cancellationToken);
        Known(server, "Set-ImapSettings");
        if (effective)
        {
            organisation.SetProtocolLog(server, protocolLogEnabled);
        }
    }

    /// <inheritdoc />
    public async Task<ImapCounters> GetImapCountersAsync(string server, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(AgentOperation.GetImapCounters, server, "Get-Counter", cancellationToken);
        Known(server, "Get-Counter");
        return organisation.Counters(server);
    }

    async Task<HealthState?> StateAsync(string server, MonitorDefinition monitor, CancellationToken cancellationToken)
    {
        var backEnd = organisation.Lab.MailboxServers.GetValueOrDefault(server);
        var proxy = organisation.Lab.ClientAccessServers.GetValueOrDefault(server);
        var counters = organisation.Counters(server);
        if (monitor.Probe is not null && organisation.HealthProbesFailing(server) && (backEnd ?? proxy) is not null)
        {
            return HealthState.Unhealthy;
        }

        return monitor switch
        {
            { Playbook: ImapPlaybook.DeepTest } when backEnd is not null => await Answers(backEnd, cancellationToken),
            // The back end's greeting where there is one (a multi-role server's too), as the engine's ImapSelfTestProbe reads it.
            _ when monitor == ImapHealthModel.SelfTestMonitor && (backEnd ?? proxy) is { } local => await Answers(local, cancellationToken),
            { Playbook: ImapPlaybook.Ctp or ImapPlaybook.ProxyTest } when proxy is not null =>
                await Answers(proxy, cancellationToken) == HealthState.Healthy && organisation.Lab.MailboxServers.Values.All(b => b.IsRunning) ? HealthState.Healthy : HealthState.Unhealthy,
            _ when monitor == ImapHealthModel.CommandTimeMonitor => counters.AverageCommandProcessingTimeMs > 60_000 ? HealthState.Unhealthy : HealthState.Healthy,
            _ when monitor == ImapHealthModel.RequestsQueuedMonitor => counters.RequestsQueued > 500 ? HealthState.Unhealthy : HealthState.Healthy,
            _ => null,
        };
    }

    static async Task<HealthState> Answers(DovecotInstance instance, CancellationToken cancellationToken) =>
        instance.IsRunning && await DovecotInstance.GreetsAsync(instance.ImapPort, cancellationToken) ? HealthState.Healthy : HealthState.Unhealthy;

    void Known(string server, string cmdlet)
    {
        if (!organisation.Exists(server))
        {
            throw new ExchangeOperationException(cmdlet, $"The server '{server}' was not found in the organisation.");
        }
    }

    void MailboxServer(string server, string cmdlet)
    {
        if (!organisation.Lab.MailboxServers.ContainsKey(server))
        {
            throw new ExchangeOperationException(cmdlet, $"The specified server '{server}' is not a Mailbox server.");
        }
    }
}
