using Remediation.Alerts;

namespace Remediation.Runs;

/// <summary>The run ledger kept in memory (embedded defaults; Table storage takes over when configured).</summary>
public sealed class InMemoryRunLedger : IRunLedger
{
    readonly Lock gate = new();
    readonly Dictionary<string, RunRecord> runs = new(StringComparer.OrdinalIgnoreCase);

    // Alerts can arrive for a run before its first activity has opened it.
    readonly Dictionary<string, List<Alert>> earlyAlerts = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public Task OpenAsync(RunRecord run, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!runs.ContainsKey(run.RunId))
            {
                var alerts = earlyAlerts.Remove(run.RunId, out var early) ? [.. run.Alerts, .. early.Where(a => run.Alerts.All(r => r.AlertId != a.AlertId))] : run.Alerts;
                runs[run.RunId] = run with { Alerts = alerts };
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task AppendStepAsync(string runId, RunStep step, CancellationToken cancellationToken)
    {
        Update(runId, run => run.Steps.Any(s => s.Sequence == step.Sequence) ? run : run with { Steps = [.. run.Steps, step] });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RecordAlertAsync(string runId, Alert alert, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (runs.TryGetValue(runId, out var run))
            {
                if (run.Alerts.All(a => a.AlertId != alert.AlertId))
                {
                    runs[runId] = run with { Alerts = [.. run.Alerts, alert] };
                }
            }
            else
            {
                var early = earlyAlerts.TryGetValue(runId, out var list) ? list : earlyAlerts[runId] = [];
                if (early.All(a => a.AlertId != alert.AlertId))
                {
                    early.Add(alert);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CloseAsync(string runId, RunOutcome outcome, string? reason, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        Update(runId, run => run.Outcome != RunOutcome.Running ? run : run with { Outcome = outcome, Reason = reason, EndedAt = endedAt });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(runs.GetValueOrDefault(runId));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListAsync(string? server, int max, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            IReadOnlyList<RunRecord> list = [.. runs.Values
                .Where(r => server is null || string.Equals(r.Server, server, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(r => r.Outcome == RunOutcome.Running)
                .ThenByDescending(r => r.StartedAt)
                .Take(max)];
            return Task.FromResult(list);
        }
    }

    void Update(string runId, Func<RunRecord, RunRecord> change)
    {
        lock (gate)
        {
            if (!runs.TryGetValue(runId, out var run))
            {
                throw new InvalidOperationException($"Run '{runId}' was never opened.");
            }

            runs[runId] = change(run);
        }
    }
}
