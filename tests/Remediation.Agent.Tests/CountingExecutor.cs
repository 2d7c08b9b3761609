using Remediation.Agent.Operations;
using Remediation.AgentApi;

namespace Remediation.Agent.Tests;

/// <summary>Counts what reaches the executor, so tests can prove a refused request executed nothing.</summary>
public sealed class CountingExecutor(IExchangeExecutor inner) : IExchangeExecutor
{
    int calls;

    public int Calls => Volatile.Read(ref calls);

    T Count<T>(T value)
    {
        Interlocked.Increment(ref calls);
        return value;
    }

    public Task<ServerHealthReport> GetServerHealthAsync(string server, CancellationToken cancellationToken) => Count(inner.GetServerHealthAsync(server, cancellationToken));

    public Task<MonitoringProbeResult> InvokeMonitoringProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken) =>
        Count(inner.InvokeMonitoringProbeAsync(server, healthSet, probe, cancellationToken));

    public Task<RestartResult> RestartServiceAsync(string server, string service, CancellationToken cancellationToken) => Count(inner.RestartServiceAsync(server, service, cancellationToken));

    public Task<ServerRestartStarted> RestartServerAsync(string server, CancellationToken cancellationToken) => Count(inner.RestartServerAsync(server, cancellationToken));

    public Task<ServerState> GetServerStateAsync(string server, CancellationToken cancellationToken) => Count(inner.GetServerStateAsync(server, cancellationToken));

    public Task SetDatabaseCopyActivationAsync(string server, bool disabledAndMoveNow, CancellationToken cancellationToken) =>
        Count(inner.SetDatabaseCopyActivationAsync(server, disabledAndMoveNow, cancellationToken));

    public Task<DatabaseCopyStatus> GetDatabaseCopyStatusAsync(string server, CancellationToken cancellationToken) => Count(inner.GetDatabaseCopyStatusAsync(server, cancellationToken));

    public Task<ImapSettings> GetImapSettingsAsync(string server, CancellationToken cancellationToken) => Count(inner.GetImapSettingsAsync(server, cancellationToken));

    public Task SetImapSettingsAsync(string server, bool protocolLogEnabled, CancellationToken cancellationToken) => Count(inner.SetImapSettingsAsync(server, protocolLogEnabled, cancellationToken));

    public Task<ImapCounters> GetImapCountersAsync(string server, CancellationToken cancellationToken) => Count(inner.GetImapCountersAsync(server, cancellationToken));
}
