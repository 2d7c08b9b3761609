using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Alerts;
using Remediation.Runs;

namespace Remediation.Recovery.Activities;

/// <summary>Input of <see cref="StartServerRunActivity"/>: the alert a run raises for another server, and who raises it.</summary>
/// <param name="Alert">The alert (its RaisedAt is when the evidence was seen).</param>
/// <param name="ParentRunId">The run that needs the other server recovered.</param>
public sealed record ServerRunRequest(Alert Alert, string ParentRunId);

/// <summary>
/// Starts the other server's run, or joins the one going, through <see cref="ServerRuns"/>: the same per-server
/// identity as every alert, so a server never gets two runs (three CAS runs needing one mailbox server share its run).
/// A run joined (or found ended) gets the alert recorded on it, as the alert pump records a coalesced alert: the
/// ledger then says, durably, which runs waited on it (the console groups an incident by it).
/// </summary>
public sealed class StartServerRunActivity(DurableTaskClient durable, IServiceProvider services, IRunLedger ledger, TimeProvider time) : TaskActivity<ServerRunRequest, ServerRunTicket>
{
    /// <inheritdoc />
    public override async Task<ServerRunTicket> RunAsync(TaskActivityContext context, ServerRunRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // "Late" is judged on when the evidence was seen: a run of that server which ended since then is the answer (it
        // was repairing what this run saw), not a reason to start another one.
        var ticket = await ActivatorUtilities.CreateInstance<ServerRuns>(services, durable).StartOrJoinAsync(input.Alert, input.Alert.RaisedAt < time.GetUtcNow() ? input.Alert.RaisedAt : time.GetUtcNow(), input.ParentRunId, CancellationToken.None);
        if (!ticket.IsNew)
        {
            await ledger.RecordAlertAsync(ticket.RunId, input.Alert, CancellationToken.None);
        }

        return ticket;
    }
}

/// <summary>How a run stands in the ledger (Running until it has ended; also while it is not opened yet).</summary>
public sealed class ReadRunOutcomeActivity(IRunLedger ledger) : TaskActivity<string, RunOutcome>
{
    /// <inheritdoc />
    public override async Task<RunOutcome> RunAsync(TaskActivityContext context, string input) =>
        (await ledger.GetAsync(input, CancellationToken.None))?.Outcome ?? RunOutcome.Running;
}
