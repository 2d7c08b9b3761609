using Remediation.AgentApi;

namespace Remediation.Lab.Agent;

/// <summary>How an injected fault behaves.</summary>
public enum FaultMode
{
    /// <summary>The operation fails with the given message, as a cmdlet error.</summary>
    Fail,

    /// <summary>The operation never answers (until the agent's execution limit).</summary>
    Hang,

    /// <summary>The operation is slow: it waits <see cref="LabFault.Delay"/>, then does its work.</summary>
    Slow,

    /// <summary>The operation says it succeeded and changes nothing (a service that restarts and dies again).</summary>
    Ineffective,
}

/// <summary>An injected fault: <paramref name="Operation"/> on <paramref name="Server"/> (any server when null).</summary>
public sealed record LabFault(AgentOperation Operation, string? Server, FaultMode Mode, string? Message, TimeSpan? Delay = null);

/// <summary>Faults injected into the lab organisation (POST /lab/faults on the lab agent).</summary>
public sealed class LabFaults : IDisposable
{
    readonly Lock gate = new();
    readonly List<LabFault> faults = [];
    CancellationTokenSource cleared = new();

    /// <summary>Injects a fault.</summary>
    public void Add(LabFault fault)
    {
        lock (gate)
        {
            faults.Add(fault);
        }
    }

    /// <summary>Clears every fault, and ends operations hanging on one.</summary>
    public void Clear()
    {
        CancellationTokenSource old;
        lock (gate)
        {
            faults.Clear();
            old = cleared;
            cleared = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => cleared.Dispose();

    /// <summary>Current faults.</summary>
    public IReadOnlyList<LabFault> All
    {
        get
        {
            lock (gate)
            {
                return [.. faults];
            }
        }
    }

    /// <summary>Applies a matching fault: throws for Fail, waits for Hang and Slow; false when the operation must do nothing.</summary>
    public async Task<bool> ApplyAsync(AgentOperation operation, string server, string cmdlet, CancellationToken cancellationToken)
    {
        LabFault? fault;
        CancellationToken clearedToken;
        lock (gate)
        {
            fault = faults.FirstOrDefault(f => f.Operation == operation && (f.Server is null || string.Equals(f.Server, server, StringComparison.OrdinalIgnoreCase)));
            clearedToken = cleared.Token;
        }

        switch (fault?.Mode)
        {
            case FaultMode.Fail:
                throw new Remediation.Agent.Operations.ExchangeOperationException(cmdlet, fault.Message ?? "Injected failure.");
            case FaultMode.Hang:
                using (var hang = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, clearedToken))
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, hang.Token);
                    }
                    catch (OperationCanceledException) when (clearedToken.IsCancellationRequested)
                    {
                        throw new Remediation.Agent.Operations.ExchangeOperationException(cmdlet, "Interrupted: the injected hang was cleared.");
                    }
                }

                break;
            case FaultMode.Slow:
                await Task.Delay(fault.Delay ?? TimeSpan.FromSeconds(5), cancellationToken);
                break;
            case FaultMode.Ineffective:
                return false;
        }

        return true;
    }
}
