using Remediation.Alerts;

namespace Remediation.Runs;

/// <summary>The run ledger kept in memory (embedded defaults; Table storage takes over when configured).</summary>
public sealed class InMemoryRunLedger : IRunLedger
{
    readonly Lock gate = new();
    readonly Dictionary<string, RunRecord> runs = new(StringComparer.OrdinalIgnoreCase);

    // Alerts can arrive for a run before its first activity has opened it: kept in a placeholder record, bounded the same way.
    readonly Dictionary<string, RunRecord> earlyAlerts = new(StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> decided = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public Task<bool> TryClaimDecisionAsync(string runId, string decision, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(decided.Add($"{runId}:{decision}"));
        }
    }

    /// <inheritdoc />
    public Task OpenAsync(RunRecord run, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!runs.ContainsKey(run.RunId))
            {
                runs[run.RunId] = earlyAlerts.Remove(run.RunId, out var early) ? RunAlerts.WithParked(run, early) : run;
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
            var store = runs.ContainsKey(runId) ? runs : earlyAlerts;
            var run = store.GetValueOrDefault(runId) ?? RunAlerts.Parked(runId);
            if (RunAlerts.Add(run, alert) is { } updated)
            {
                store[runId] = updated;
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
    public Task RecordRefusedDecisionAsync(string runId, string refusal, CancellationToken cancellationToken)
    {
        Update(runId, run => run.WithRefusedDecision(refusal));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RecordEscalationAsync(string runId, string escalation, CancellationToken cancellationToken)
    {
        Update(runId, run => run with { Escalation = escalation });
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
    public Task<IReadOnlyList<RunRecord>> ListAsync(RunFilter filter, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (gate)
        {
            IReadOnlyList<RunRecord> list = [.. runs.Values
                .Where(filter.Matches)
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
