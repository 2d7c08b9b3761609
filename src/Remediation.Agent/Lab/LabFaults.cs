using Remediation.Exchange;

namespace Remediation.Agent.Lab;

/// <summary>How an injected fault behaves.</summary>
public enum FaultMode
{
    /// <summary>The operation fails with the given message, as a cmdlet error.</summary>
    Fail,

    /// <summary>The operation never answers (until the agent's timeout).</summary>
    Hang,
}

/// <summary>An injected fault: <paramref name="Operation"/> on <paramref name="Server"/> (any server when null).</summary>
public sealed record LabFault(AgentOperation Operation, string? Server, FaultMode Mode, string? Message);

/// <summary>Faults injected into the lab organisation (POST /lab/faults on the lab agent).</summary>
public sealed class LabFaults
{
    readonly Lock gate = new();
    readonly List<LabFault> faults = [];

    /// <summary>Injects a fault.</summary>
    public void Add(LabFault fault)
    {
        lock (gate)
        {
            faults.Add(fault);
        }
    }

    /// <summary>Clears every fault.</summary>
    public void Clear()
    {
        lock (gate)
        {
            faults.Clear();
        }
    }

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

    /// <summary>Applies a matching fault: throws for Fail, waits for cancellation for Hang.</summary>
    public async Task ApplyAsync(AgentOperation operation, string server, string cmdlet, CancellationToken cancellationToken)
    {
        LabFault? fault;
        lock (gate)
        {
            fault = faults.FirstOrDefault(f => f.Operation == operation && (f.Server is null || string.Equals(f.Server, server, StringComparison.OrdinalIgnoreCase)));
        }

        switch (fault?.Mode)
        {
            case FaultMode.Fail:
                throw new Operations.ExchangeOperationException(cmdlet, fault.Message ?? "Injected failure.");
            case FaultMode.Hang:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
        }
    }
}
