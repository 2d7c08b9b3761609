namespace Remediation.Storage;

/// <summary>
/// How far an instance's reads of a table have come, by the service's own clock: the Date of the last read's answer
/// (Timestamps are the service's too, so no clock of ours is compared with them). A read of the changes asks for the
/// rows stamped since, less <see cref="Overlap"/> for a write the service stamped just before that read but made visible
/// after it. Shared by the monitors' health answers and the run list a console polls.
/// </summary>
public sealed class ChangeHorizon
{
    /// <summary>How far back before the last read a read of the changes looks.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromSeconds(3);

    readonly Lock gate = new();
    DateTimeOffset? readAt;

    /// <summary>The Timestamp a read of the changes starts from; null before the first read (read everything).</summary>
    public DateTimeOffset? Since
    {
        get
        {
            lock (gate)
            {
                return readAt - Overlap;
            }
        }
    }

    /// <summary>A read was answered at <paramref name="date"/> (its first answer's Date header): the horizon moves on to it.</summary>
    public void Read(DateTimeOffset? date)
    {
        lock (gate)
        {
            readAt = date is { } at && (readAt is null || at > readAt) ? at : readAt;
        }
    }
}
