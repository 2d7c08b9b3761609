using Remediation.Probes;

namespace Remediation.History;

/// <summary>
/// Where probe history is kept: <see cref="ProbeHistory"/> in the host's memory, or <see cref="TableProbeHistory"/> in
/// Table storage, shared by every instance of a scaled-out app and kept across restarts.
/// </summary>
public interface IProbeHistory
{
    /// <summary>
    /// Keeps a probe round's results: Table storage writes them in one transaction per partition (a server's buckets
    /// together; the hour rows of a day in transactions of up to 100), so a round costs about one operation per server.
    /// </summary>
    Task RecordAsync(IReadOnlyCollection<ProbeResult> round, CancellationToken cancellationToken);

    /// <summary>The series of <paramref name="server"/> (one probe, or all) between <paramref name="from"/> and <paramref name="to"/>.</summary>
    Task<IReadOnlyList<ProbeSeries>> QueryAsync(string server, DateTimeOffset from, DateTimeOffset to, string? probe, CancellationToken cancellationToken);

    /// <summary>
    /// Where the history is kept and since when, in a sentence for people (the console states it under the grid, so
    /// a night's history lost with an in-memory host is said, not silently gone).
    /// </summary>
    string KeptWhere { get; }

    /// <summary>Every series as availability and latency strips of <paramref name="slots"/> slots.</summary>
    Task<IReadOnlyList<ProbeStrip>> StripsAsync(DateTimeOffset from, DateTimeOffset to, int slots, CancellationToken cancellationToken);
}
