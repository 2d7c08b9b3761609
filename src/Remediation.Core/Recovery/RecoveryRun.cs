using Microsoft.DurableTask;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>How a playbook ended.</summary>
internal sealed record PlaybookResult(RunOutcome Outcome, string Reason);

/// <summary>
/// One run, made of its rooms: the step recorder, the approval gate, the safety gate and the waits. Opens the run,
/// runs the playbook to its outcome (stops, failures and escalation handled the same way for every run) and closes
/// it, with what clean-up could not do and whether the run leaves a server drained (its hold kept).
/// </summary>
internal sealed class RecoveryRun
{
    readonly List<string> closingNotes = [];
    readonly HashSet<string> drainedServers = new(StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> disabledBeforeTheRun = new(StringComparer.OrdinalIgnoreCase);

    public RecoveryRun(StepRecorder recorder)
    {
        Recorder = recorder;
        Version = RecoveryVersions.Of(recorder.Context, recorder.Request);
        Waits = new RunWaits(recorder);
        Safety = new SafetyGate(recorder, new ApprovalGate(recorder, Version), checkBeforeAsking: Version >= RecoveryVersions.ExchangeConfirms);
    }

    /// <summary>The orchestration version this run started with (<see cref="RecoveryVersions"/>): what it replays as.</summary>
    public int Version { get; }

    public StepRecorder Recorder { get; }

    public RunWaits Waits { get; }

    public SafetyGate Safety { get; }

    public RecoveryRequest Request => Recorder.Request;

    public RecoverySettings Settings => Recorder.Settings;

    /// <summary>The reason the run closed with, closing notes included.</summary>
    public string? ClosingReason { get; private set; }

    /// <summary>Adds a sentence to the run's closing reason, whatever the outcome (e.g. what clean-up could not do).</summary>
    public void AddClosingNote(string note) => closingNotes.Add(note);

    /// <summary>The run drained a server (true) or failed it back (false): a run that ends drained keeps its hold.</summary>
    public void LeftDrained(string server, bool drained)
    {
        if (drained)
        {
            drainedServers.Add(server);
        }
        else
        {
            drainedServers.Remove(server);
        }
    }

    /// <summary>Records how the run found a server's activation before it drained it: an administrator's setting is left as found.</summary>
    public void ActivationAsFound(string server, bool disabled)
    {
        if (disabled)
        {
            disabledBeforeTheRun.Add(server);
        }
    }

    /// <summary>True when activation on <paramref name="server"/> was already disabled when this run first touched it.</summary>
    public bool WasDisabledBeforeTheRun(string server) => disabledBeforeTheRun.Contains(server);

    /// <summary>Opens the run, runs <paramref name="playbook"/>, closes the run and escalates anything but Transient or Recovered.</summary>
    public async Task<(RunOutcome Outcome, string Reason)> ExecuteAsync(Func<Task<PlaybookResult>> playbook)
    {
        await Recorder.OpenAsync();
        PlaybookResult result;
        try
        {
            result = await playbook();
        }
        catch (RunStoppedException stopped)
        {
            result = new(stopped.Outcome, stopped.Message);
        }
        catch (TaskFailedException ex)
        {
            // An activity failed after its retries.
            result = new(RunOutcome.Failed, $"{ex.TaskName} failed: {ex.FailureDetails.ErrorMessage}");
        }

        await CloseAsync(result.Outcome, result.Reason);
        if (result.Outcome is not (RunOutcome.Transient or RunOutcome.Recovered))
        {
            try
            {
                await Recorder.EscalateAsync();
            }
            catch (TaskFailedException)
            {
                // Each channel's failure is already recorded by the activity; this is the activity itself failing
                // (the ledger unreachable). The run's outcome is known and stays what it is.
            }
        }

        return (result.Outcome, ClosingReason!);
    }

    async Task CloseAsync(RunOutcome outcome, string reason)
    {
        if (drainedServers.Count > 0)
        {
            closingNotes.Add($"The hold on the group of {string.Join(", ", drainedServers)} stays while it is left drained: no other member is drained or restarted until an operator releases it (POST /api/runs/{Request.RunId}/release-hold) once fail-back is decided.");
        }

        ClosingReason = string.Join(" ", [reason, .. closingNotes]);
        await Recorder.CloseAsync(outcome, ClosingReason, keepHold: drainedServers.Count > 0);
    }
}
