namespace Remediation.Host.Durable;

/// <summary>How the standalone host's embedded Durable engine runs work (section <c>Remediation:Durable</c>).</summary>
public sealed class DurableBackendOptions
{
    public const string Section = "Remediation:Durable";

    /// <summary>Orchestration episodes executed at once. An episode is short (replay, then wait), so this can be high.</summary>
    public int MaxConcurrentOrchestrations { get; set; } = 100;

    /// <summary>
    /// Activities executed at once. Most wait on the agent or on a probe, not on this machine's CPU, so this is well
    /// above the core count; the agent serialises operations per server on its side.
    /// </summary>
    public int MaxConcurrentActivities { get; set; } = 50;

    /// <summary>Azure Storage provider: the longest pause between polls of an idle queue (the delay before idle work is seen).</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Azure Storage provider: how long a partition lease lasts without renewal. After a crash, the next host waits up
    /// to this long before it takes the partitions over and resumes the runs.
    /// </summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Azure Storage provider: how long a dequeued message (an activity to run, or an orchestration's next event) stays
    /// hidden. After a crash, what the dead host was working on is seen again once this lapses: the activity runs again
    /// (its step's idempotency key keeps the agent from acting twice), the run goes on. The provider's default is
    /// 5 minutes; every activity here ends in a few.
    /// </summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Azure Storage provider: partitions (control queues) of the task hub; fixed once the hub exists.</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// Azure Storage provider: how long an orchestration stays loaded after its last episode (extended sessions), so that
    /// its next event is applied to the history in memory instead of reloading it from the history table. Zero turns
    /// extended sessions off.
    /// </summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Names what is wrong with these settings, or returns null.</summary>
    public string? Validate()
    {
        if (MaxConcurrentOrchestrations is < 1 or > 1000)
        {
            return $"{Section}:MaxConcurrentOrchestrations must be between 1 and 1000 (was {MaxConcurrentOrchestrations}).";
        }

        if (MaxConcurrentActivities is < 1 or > 1000)
        {
            return $"{Section}:MaxConcurrentActivities must be between 1 and 1000 (was {MaxConcurrentActivities}).";
        }

        if (MaxQueuePollingInterval <= TimeSpan.Zero || MaxQueuePollingInterval > TimeSpan.FromMinutes(1))
        {
            return $"{Section}:MaxQueuePollingInterval must be above zero and at most a minute (was {MaxQueuePollingInterval}).";
        }

        if (LeaseInterval < TimeSpan.FromSeconds(15) || LeaseInterval > TimeSpan.FromMinutes(1))
        {
            // Azure blob leases last 15 to 60 seconds.
            return $"{Section}:LeaseInterval must be between 15 and 60 seconds (was {LeaseInterval}).";
        }

        if (MessageVisibilityTimeout < TimeSpan.FromSeconds(10) || MessageVisibilityTimeout > TimeSpan.FromMinutes(10))
        {
            return $"{Section}:MessageVisibilityTimeout must be between 10 seconds and 10 minutes (was {MessageVisibilityTimeout}).";
        }

        if (ExtendedSessionIdleTimeout < TimeSpan.Zero || ExtendedSessionIdleTimeout > TimeSpan.FromMinutes(10))
        {
            return $"{Section}:ExtendedSessionIdleTimeout must be between zero (off) and 10 minutes (was {ExtendedSessionIdleTimeout}).";
        }

        return PartitionCount is < 1 or > 16 ? $"{Section}:PartitionCount must be between 1 and 16 (was {PartitionCount})." : null;
    }
}
