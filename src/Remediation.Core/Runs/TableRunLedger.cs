using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Remediation.Alerts;
using Remediation.Storage;

namespace Remediation.Runs;

/// <summary>
/// The run ledger in Table storage: one entity per run (the record as JSON, plus columns to list by), updated with
/// optimistic concurrency, so it survives a restart of the host and several hosts can share it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim whose wait handle is never asked for holds nothing to dispose.")]
public sealed class TableRunLedger(TableClient runs, TableClient pendingAlerts) : IRunLedger
{
    const string Partition = "run";

    /// <summary>Creates the ledger's tables if needed.</summary>
    public static async Task<TableRunLedger> CreateAsync(TableServiceClient service, string prefix, CancellationToken cancellationToken)
    {
        var runs = service.GetTableClient($"{prefix}runs");
        var pending = service.GetTableClient($"{prefix}runalerts");
        await runs.CreateIfNotExistsAsync(cancellationToken);
        await pending.CreateIfNotExistsAsync(cancellationToken);
        return new TableRunLedger(runs, pending);
    }

    /// <inheritdoc />
    public async Task<bool> TryClaimDecisionAsync(string runId, string decision, CancellationToken cancellationToken)
    {
        try
        {
            // Insert, never upsert: the table refuses a second one (409), whichever host it comes from. An approver's
            // object ID may hold characters a row key may not: the key holds its hash, the row the readable claim.
            var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(decision)))[..32];
            await runs.AddEntityAsync(new TableEntity("decision", $"{Key(runId)}-{hash}") { ["Decision"] = decision }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    // Alerts parked for a run not opened yet: one row per run (partition = the run), bounded like a run's alerts.
    const string ParkedRow = "parked";

    /// <inheritdoc />
    public async Task OpenAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var record = run;
        var parked = new List<TableEntity>();
        await foreach (var entity in pendingAlerts.QueryAsync<TableEntity>(e => e.PartitionKey == Key(run.RunId), cancellationToken: cancellationToken))
        {
            parked.Add(entity);
            // The bounded row; or, written before it existed, one row per alert.
            record = entity.RowKey == ParkedRow
                ? RunAlerts.WithParked(record, JsonSerializer.Deserialize<RunRecord>(entity.GetString("Json"), JsonDefaults.Options)!)
                : RunAlerts.AddAll(record, [JsonSerializer.Deserialize<Alert>(entity.GetString("Json"), JsonDefaults.Options)!]);
        }

        try
        {
            await runs.AddEntityAsync(ToEntity(record), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already open (a retried activity): the first open stands.
        }

        // Taken into the run: the parked rows go (an alert parked after this read finds the run open and is added to it).
        foreach (var entity in parked)
        {
            await pendingAlerts.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task AppendStepAsync(string runId, RunStep step, CancellationToken cancellationToken) =>
        UpdateAsync(runId, run => run.Steps.Any(s => s.Sequence == step.Sequence) ? null : run with { Steps = [.. run.Steps, step] }, cancellationToken);

    /// <inheritdoc />
    public async Task RecordAlertAsync(string runId, Alert alert, CancellationToken cancellationToken)
    {
        if (await TryGetAsync(runId, cancellationToken) is null)
        {
            // The run's first activity has not opened it yet: park the alert for OpenAsync.
            await ParkAsync(runId, alert, cancellationToken);
            if (await TryGetAsync(runId, cancellationToken) is null)
            {
                return;
            }
        }

        await UpdateAsync(runId, run => RunAlerts.Add(run, alert), cancellationToken);
    }

    // Into the run's one parked row, under its ETag (parkers on several hosts count together): first and last few, and a count.
    async Task ParkAsync(string runId, Alert alert, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var existing = await pendingAlerts.GetEntityIfExistsAsync<TableEntity>(Key(runId), ParkedRow, cancellationToken: cancellationToken);
            var parked = existing.HasValue ? JsonSerializer.Deserialize<RunRecord>(existing.Value!.GetString("Json"), JsonDefaults.Options)! : RunAlerts.Parked(runId);
            if (RunAlerts.Add(parked, alert) is not { } next)
            {
                return;
            }

            var entity = new TableEntity(Key(runId), ParkedRow) { ["Json"] = JsonSerializer.Serialize(next, JsonDefaults.Options) };
            try
            {
                if (existing.HasValue)
                {
                    await pendingAlerts.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await pendingAlerts.AddEntityAsync(entity, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 200)
            {
                // Another alert was parked first: read it and add to it, after a short random pause so that parkers
                // in a storm spread out instead of colliding again.
                await Task.Delay(Random.Shared.Next(1, 5 + (5 * Math.Min(attempt, 10))), cancellationToken);
            }
        }
    }

    /// <inheritdoc />
    public Task CloseAsync(string runId, RunOutcome outcome, string? reason, DateTimeOffset endedAt, CancellationToken cancellationToken) =>
        UpdateAsync(runId, run => run.Outcome != RunOutcome.Running ? null : run with { Outcome = outcome, Reason = reason, EndedAt = endedAt }, cancellationToken);

    /// <inheritdoc />
    public Task RecordRefusedDecisionAsync(string runId, string refusal, CancellationToken cancellationToken) =>
        UpdateAsync(runId, run => run.WithRefusedDecision(refusal), cancellationToken);

    /// <inheritdoc />
    public Task RecordEscalationAsync(string runId, string escalation, CancellationToken cancellationToken) =>
        UpdateAsync(runId, run => run.Escalation == escalation ? null : run with { Escalation = escalation }, cancellationToken);

    /// <inheritdoc />
    public async Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken) =>
        (await TryGetAsync(runId, cancellationToken))?.Run;

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunRecord>> ListAsync(RunFilter filter, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Since is { } since && await KeptSinceAsync(since, cancellationToken) is { } kept)
        {
            return Newest(kept.Where(filter.Matches), max);
        }

        return Newest(await QueryAsync(filter, cancellationToken), max);
    }

    static List<RunRecord> Newest(IEnumerable<RunRecord> runs, int max) =>
        [.. runs.OrderByDescending(r => r.Outcome == RunOutcome.Running).ThenByDescending(r => r.StartedAt).Take(max)];

    // The runs a console polls for (its range: every run started since a time, asked every 2 s by every open console),
    // kept here and brought up to date by reading only the rows the service stamped since this instance's last read,
    // like the monitors' changes (ChangeHorizon). Runs are never deleted, so no change is missed by asking for stamps alone.
    readonly SemaphoreSlim keptGate = new(1, 1);
    readonly Dictionary<string, RunRecord> kept = new(StringComparer.Ordinal);
    readonly ChangeHorizon keptHorizon = new();
    DateTimeOffset? keptFrom;

    /// <summary>
    /// Every run started since <paramref name="since"/>, from what is kept, brought up to date first; the first ask (or
    /// one further back than what is kept) reads the range whole.
    /// </summary>
    async Task<List<RunRecord>?> KeptSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await keptGate.WaitAsync(cancellationToken);
        try
        {
            DateTimeOffset? readAt = null;
            if (keptFrom is null || since < keptFrom || keptHorizon.Since is not { } after)
            {
                // A day's margin before the range asked, so that the next asks (the same range a minute on) stay inside.
                var from = since - TimeSpan.FromDays(1);
                var whole = new List<TableEntity>();
                await foreach (var page in runs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and StartedAt ge {from}"), cancellationToken: cancellationToken).AsPages())
                {
                    readAt ??= page.GetRawResponse().Headers.Date;
                    whole.AddRange(page.Values);
                }

                // Replaced only once read whole: a read that fails half-way leaves what was kept as it was.
                kept.Clear();
                foreach (var entity in whole)
                {
                    kept[entity.RowKey] = FromEntity(entity);
                }

                keptFrom = from;
            }
            else
            {
                await foreach (var page in runs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and Timestamp ge {after}"), cancellationToken: cancellationToken).AsPages())
                {
                    readAt ??= page.GetRawResponse().Headers.Date;
                    foreach (var entity in page.Values)
                    {
                        kept[entity.RowKey] = FromEntity(entity);
                    }
                }

                // What the ranges asked no longer reach goes (a console's range moves on with the clock).
                if (since - keptFrom > TimeSpan.FromDays(2))
                {
                    keptFrom = since - TimeSpan.FromDays(1);
                    foreach (var old in kept.Where(k => k.Value.StartedAt < keptFrom).Select(k => k.Key).ToList())
                    {
                        kept.Remove(old);
                    }
                }
            }

            keptHorizon.Read(readAt);
            return [.. kept.Values.Where(r => r.StartedAt >= since)];
        }
        finally
        {
            keptGate.Release();
        }
    }

    async Task<List<RunRecord>> QueryAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        // Server, outcome and start time are entity properties the service filters on; the monitor is read from the
        // run itself (runs written before it was a property have none).
        var clauses = new List<string> { TableClient.CreateQueryFilter($"PartitionKey eq {Partition}") };
        if (filter.Server is { } server)
        {
            clauses.Add(TableClient.CreateQueryFilter($"Server eq {server.ToUpperInvariant()}"));
        }

        if (filter.Outcome is { } outcome)
        {
            clauses.Add(TableClient.CreateQueryFilter($"Outcome eq {outcome.ToString()}"));
        }

        if (filter.Since is { } since)
        {
            clauses.Add(TableClient.CreateQueryFilter($"StartedAt ge {since}"));
        }

        if (filter.StartedBefore is { } before)
        {
            clauses.Add(TableClient.CreateQueryFilter($"StartedAt lt {before}"));
        }

        var all = new List<RunRecord>();
        await foreach (var entity in runs.QueryAsync<TableEntity>(string.Join(" and ", clauses), cancellationToken: cancellationToken))
        {
            var run = FromEntity(entity);
            if (filter.Matches(run))
            {
                all.Add(run);
            }
        }

        return all;
    }

    async Task UpdateAsync(string runId, Func<RunRecord, RunRecord?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await TryGetAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"Run '{runId}' was never opened.");
            if (change(current.Run) is not { } updated)
            {
                return;
            }

            try
            {
                await runs.UpdateEntityAsync(ToEntity(updated), current.ETag, TableUpdateMode.Replace, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 10)
            {
                // Someone else wrote first: read again and reapply.
            }
        }
    }

    async Task<(RunRecord Run, ETag ETag)?> TryGetAsync(string runId, CancellationToken cancellationToken)
    {
        var response = await runs.GetEntityIfExistsAsync<TableEntity>(Partition, Key(runId), cancellationToken: cancellationToken);
        return response.HasValue ? (FromEntity(response.Value!), response.Value!.ETag) : null;
    }

    static TableEntity ToEntity(RunRecord run) => new(Partition, Key(run.RunId))
    {
        ["Server"] = run.Server.ToUpperInvariant(),
        ["Outcome"] = run.Outcome.ToString(),
        ["StartedAt"] = run.StartedAt,
        ["Json"] = JsonSerializer.Serialize(run with { AwaitingApproval = null }, JsonDefaults.Options),
    };

    static RunRecord FromEntity(TableEntity entity) => JsonSerializer.Deserialize<RunRecord>(entity.GetString("Json"), JsonDefaults.Options)!;

    // Row keys may not hold '/', '\', '#', '?': run IDs and alert IDs are kept readable otherwise.
    static string Key(string id) => id.ToUpperInvariant().Replace('/', '|').Replace('\\', '|').Replace('#', '|').Replace('?', '|');
}
