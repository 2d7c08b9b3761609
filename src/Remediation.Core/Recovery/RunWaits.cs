using Remediation.Recovery.Activities;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>
/// Waits and polling: durable timers an operator's cancel interrupts, and bounded polling loops (a run's history
/// stays small whatever the settings: at most wait / PollInterval looks).
/// </summary>
internal sealed class RunWaits(StepRecorder recorder)
{
    /// <summary>Waits <paramref name="wait"/> on a durable timer (an operator's cancel interrupts it).</summary>
    public Task WaitAsync(TimeSpan wait, string why) => WaitAsync(wait, $"Waiting {wait} {why}", recorder.Now, recorder.Now + wait);

    /// <summary>
    /// Reads with <paramref name="read"/> until <paramref name="done"/> says so, waiting PollInterval between looks, at
    /// most <paramref name="atMost"/> in all; returns the last reading either way. While it waits, the run shows the
    /// whole watch's span (when it began, when its last look is due), not the span of one poll: an operator reading
    /// "at most until" reads the real deadline.
    /// </summary>
    public async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan atMost, string why, bool waitFirst = false)
    {
        var poll = recorder.Settings.PollInterval;
        var looks = (int)Math.Ceiling(atMost / poll);
        var since = recorder.Now;
        var until = since + (poll * looks);
        var what = $"Waiting up to {atMost} {why} (a look every {poll})";
        if (waitFirst)
        {
            await WaitAsync(poll, what, since, until);
        }

        var reading = await read();
        for (var look = waitFirst ? 1 : 0; !done(reading) && look < looks; look++)
        {
            await WaitAsync(poll, what, since, until);
            reading = await read();
        }

        return reading;
    }

    async Task WaitAsync(TimeSpan wait, string what, DateTimeOffset since, DateTimeOffset until)
    {
        recorder.ThrowIfCancelled();
        recorder.Show(what, since, until);
        await SleepUnlessCancelledAsync(wait);
        recorder.ThrowIfCancelled();
    }

    /// <summary>
    /// Waits for another server's run (<paramref name="ticket"/>) to end, looking every PollInterval, at most
    /// OtherRunWait; returns its outcome (Running if it outlasted the wait). Cancelling this run cancels that one too
    /// when this run started it.
    /// </summary>
    public async Task<RunOutcome> WaitForRunAsync(ServerRunTicket ticket, string server)
    {
        var settings = recorder.Settings;
        var looks = (int)Math.Ceiling(settings.OtherRunWait / settings.PollInterval);
        var since = recorder.Now;
        for (var look = 0; ; look++)
        {
            var outcome = await recorder.Context.CallActivityAsync<RunOutcome>(nameof(ReadRunOutcomeActivity), ticket.RunId, StepRecorder.LedgerCall);
            if (outcome != RunOutcome.Running || look >= looks)
            {
                return outcome;
            }

            recorder.Show($"Waiting for run {ticket.RunId} on {server}", since, since + settings.OtherRunWait);
            if (await SleepUnlessCancelledAsync(settings.PollInterval))
            {
                if (ticket.IsNew)
                {
                    recorder.Context.SendEvent(RecoveryInstance.IdFor(server), RunEvents.Cancel, new RunCancel(ticket.RunId, $"{recorder.Cancelled.Result} (through run {recorder.Request.RunId})"));
                }

                recorder.ThrowIfCancelled();
            }
        }
    }

    // A durable timer an operator's cancel interrupts (the timer is then cancelled too); true when cancelled.
    async Task<bool> SleepUnlessCancelledAsync(TimeSpan wait)
    {
        using var stop = new CancellationTokenSource();
        var timer = recorder.SleepAsync(wait, stop.Token);
        if (await Task.WhenAny(timer, recorder.Cancelled) != recorder.Cancelled)
        {
            return false;
        }

        StepRecorder.CancelInline(stop);
        return true;
    }
}
