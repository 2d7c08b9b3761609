using Remediation.AgentApi;

namespace Remediation.Agent.Operations;

/// <summary>Runs the allow-listed Exchange operations: through the PowerShell SDK on a real organisation, or against the lab.</summary>
public interface IExchangeExecutor
{
    /// <summary>Get-ServerHealth -Identity server | ?{$_.HealthSetName -like "IMAP*"}.</summary>
    Task<ServerHealthReport> GetServerHealthAsync(string server, CancellationToken cancellationToken);

    /// <summary>Invoke-MonitoringProbe -Identity healthSet\probe -Server server.</summary>
    Task<MonitoringProbeResult> InvokeMonitoringProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken);

    /// <summary>Restart-Service on the server, and report whether it runs again.</summary>
    Task<RestartResult> RestartServiceAsync(string server, string service, CancellationToken cancellationToken);

    /// <summary>Reads the server's last boot time, then starts Restart-Computer -Force and answers without waiting for it.</summary>
    Task<ServerRestartStarted> RestartServerAsync(string server, CancellationToken cancellationToken);

    /// <summary>The server's last boot time and its IMAP4 services' state; unreachable (not an error) while it reboots.</summary>
    Task<ServerState> GetServerStateAsync(string server, CancellationToken cancellationToken);

    /// <summary>Set-MailboxServer -Identity server -DatabaseCopyActivationDisabledAndMoveNow value.</summary>
    Task SetDatabaseCopyActivationAsync(string server, bool disabledAndMoveNow, CancellationToken cancellationToken);

    /// <summary>Move-ActiveMailboxDatabase -ActivatePreferredOnServer server: fail-back of the databases that prefer it.</summary>
    Task ActivatePreferredOnServerAsync(string server, CancellationToken cancellationToken);

    /// <summary>Get-ServerComponentState -Identity server.</summary>
    Task<ServerComponentStates> GetServerComponentStatesAsync(string server, CancellationToken cancellationToken);

    /// <summary>Get-MailboxDatabaseCopyStatus -Server server.</summary>
    Task<DatabaseCopyStatus> GetDatabaseCopyStatusAsync(string server, CancellationToken cancellationToken);

    /// <summary>Get-ImapSettings -Server server.</summary>
    Task<ImapSettings> GetImapSettingsAsync(string server, CancellationToken cancellationToken);

    /// <summary>Set-ImapSettings -Server server -ProtocolLogEnabled value.</summary>
    Task SetImapSettingsAsync(string server, bool protocolLogEnabled, CancellationToken cancellationToken);

    /// <summary>Reads the MSExchangeImap4 counters on the server.</summary>
    Task<ImapCounters> GetImapCountersAsync(string server, CancellationToken cancellationToken);
}

/// <summary>Exchange (or the lab) refused or failed an operation: the cmdlet and its own message.</summary>
public sealed class ExchangeOperationException(string cmdlet, string message) : Exception($"{cmdlet}: {message}")
{
    /// <summary>The cmdlet that failed.</summary>
    public string Cmdlet { get; } = cmdlet;
}
