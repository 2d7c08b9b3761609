using Remediation.Agent.Operations;
using Remediation.AgentApi;

namespace Remediation.Agent.Tests;

/// <summary>Counts what reaches the executor, so tests can prove a refused request executed nothing.</summary>
public sealed class CountingExecutor(IExchangeExecutor inner) : IExchangeExecutor
{
    int calls;
    int changes;
    Exception? throwNext;

    public int Calls => Volatile.Read(ref calls);

    /// <summary>Service restarts, server restarts, drains and logging changes that reached Exchange.</summary>
    public int Changes => Volatile.Read(ref changes);

    /// <summary>Set: the next operation throws it before reaching Exchange (an unexpected failure inside the agent), once.</summary>
    public Exception? ThrowNext
    {
        get => Volatile.Read(ref throwNext);
        set => Volatile.Write(ref throwNext, value);
    }

    /// <summary>Set: the next change takes this long before it reaches Exchange (a slow Exchange), once.</summary>
    public TimeSpan? DelayNextChange { get; set; }

    T Count<T>(Func<T> operation, bool change = false)
    {
        Interlocked.Increment(ref calls);
        if (Interlocked.Exchange(ref throwNext, null) is { } failure)
        {
            throw failure;
        }

        if (change)
        {
            Interlocked.Increment(ref changes);
            if (DelayNextChange is { } delay)
            {
                DelayNextChange = null;
                Thread.Sleep(delay); // the operation's own task: the request's wait is what times out
            }
        }

        return operation();
    }

    public Task<ServerHealthReport> GetServerHealthAsync(string server, CancellationToken cancellationToken) => Count(() => inner.GetServerHealthAsync(server, cancellationToken));

    public Task<MonitoringProbeResult> InvokeMonitoringProbeAsync(string server, string healthSet, string probe, CancellationToken cancellationToken) =>
        Count(() => inner.InvokeMonitoringProbeAsync(server, healthSet, probe, cancellationToken));

    public Task<RestartResult> RestartServiceAsync(string server, string service, CancellationToken cancellationToken) => Count(() => inner.RestartServiceAsync(server, service, cancellationToken), change: true);

    public Task<ServerRestartStarted> RestartServerAsync(string server, CancellationToken cancellationToken) => Count(() => inner.RestartServerAsync(server, cancellationToken), change: true);

    public Task<ServerState> GetServerStateAsync(string server, CancellationToken cancellationToken) => Count(() => inner.GetServerStateAsync(server, cancellationToken));

    public Task SetDatabaseCopyActivationAsync(string server, bool disabledAndMoveNow, CancellationToken cancellationToken) =>
        Count(() => inner.SetDatabaseCopyActivationAsync(server, disabledAndMoveNow, cancellationToken), change: true);

    public Task ActivatePreferredOnServerAsync(string server, CancellationToken cancellationToken) =>
        Count(() => inner.ActivatePreferredOnServerAsync(server, cancellationToken), change: true);

    public Task<ServerComponentStates> GetServerComponentStatesAsync(string server, CancellationToken cancellationToken) => Count(() => inner.GetServerComponentStatesAsync(server, cancellationToken));

    public Task<DatabaseCopyStatus> GetDatabaseCopyStatusAsync(string server, CancellationToken cancellationToken) => Count(() => inner.GetDatabaseCopyStatusAsync(server, cancellationToken));

    public Task<ImapSettings> GetImapSettingsAsync(string server, CancellationToken cancellationToken) => Count(() => inner.GetImapSettingsAsync(server, cancellationToken));

    public Task SetImapSettingsAsync(string server, bool protocolLogEnabled, CancellationToken cancellationToken) =>
        Count(() => inner.SetImapSettingsAsync(server, protocolLogEnabled, cancellationToken), change: true);

    public Task<ImapCounters> GetImapCountersAsync(string server, CancellationToken cancellationToken) => Count(() => inner.GetImapCountersAsync(server, cancellationToken));
}
