using Remediation.Alerts;

namespace Remediation.Runs;

/// <summary>
/// The alerts a run keeps: however many arrive (a storm, a sender in a loop), a run record holds the first
/// <see cref="KeepFirst"/> and the last <see cref="KeepLast"/>, and counts them all, so it stays small.
/// </summary>
public static class RunAlerts
{
    /// <summary>The first alerts kept (the one that started the run among them).</summary>
    public const int KeepFirst = 5;

    /// <summary>The latest alerts kept.</summary>
    public const int KeepLast = 5;

    /// <summary><paramref name="run"/> with <paramref name="alert"/> recorded, or null when it is already there.</summary>
    public static RunRecord? Add(RunRecord run, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(alert);
        if (run.Alerts.Any(a => a.AlertId == alert.AlertId))
        {
            return null;
        }

        List<Alert> kept = [.. run.Alerts, alert];
        if (kept.Count > KeepFirst + KeepLast)
        {
            kept.RemoveAt(KeepFirst);
        }

        return run with { Alerts = kept, AlertCount = Math.Max(run.AlertCount, run.Alerts.Count) + 1 };
    }

    /// <summary>
    /// Where alerts wait for a run not opened yet (its first activity has not run): a record holding only them, bounded
    /// like a run's (first and last few, and a count), whatever a storm parks.
    /// </summary>
    public static RunRecord Parked(string runId) => new(runId, "", "", "", null, default, null, RunOutcome.Running, null, [], [], AlertCount: 0);

    /// <summary><paramref name="run"/> as it opens, with the alerts <paramref name="parked"/> for it counted in.</summary>
    public static RunRecord WithParked(RunRecord run, RunRecord parked)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(parked);
        var merged = AddAll(run, parked.Alerts);
        return merged with { AlertCount = run.AlertCount + parked.AlertCount - parked.Alerts.Count(a => run.Alerts.Any(r => r.AlertId == a.AlertId)) };
    }

    /// <summary><paramref name="run"/> with each of <paramref name="alerts"/> recorded.</summary>
    public static RunRecord AddAll(RunRecord run, IEnumerable<Alert> alerts) =>
        alerts.Aggregate(run, (r, a) => Add(r, a) ?? r);
}
