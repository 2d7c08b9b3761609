using Microsoft.Extensions.Options;
using Remediation.Agent.State;

namespace Remediation.Agent.Operations;

/// <summary>
/// Answers recorded by idempotency key, on disk (<see cref="AgentState"/>). A retried step (its activity timed out,
/// the network dropped the answer, the agent restarted) gets the first answer back and nothing is done twice; the same
/// key on a different request is a conflict; concurrent requests with one key wait for the first. An unexpected error
/// of the operation is not an answer: the key is released so a retry may act; but once the operation has returned, a
/// failure to capture or record its answer keeps the key (it acted). An operation under way when the agent stopped,
/// or whose answer was lost after it acted, is never started again under its key: its outcome is unknown, and the
/// caller is told so.
/// </summary>
public sealed class IdempotencyStore(AgentState state, TimeProvider time, IOptions<AgentOptions> options, IServiceProvider services)
{
    readonly Lock gate = new();
    readonly Dictionary<string, (string Fingerprint, Task<StoredAnswer> Answer)> running = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="action"/> once per key; later calls get its answer (or a 409).</summary>
    public async Task<IResult> RunOnceAsync(string? key, string fingerprint, Func<Task<IResult>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (string.IsNullOrEmpty(key))
        {
            return await action();
        }

        Task<StoredAnswer> answer;
        lock (gate)
        {
            if (running.TryGetValue(key, out var inFlight))
            {
                if (inFlight.Fingerprint != fingerprint)
                {
                    return Reused();
                }

                answer = inFlight.Answer;
            }
            else
            {
                var now = time.GetUtcNow();
                switch (state.TryClaim(key, fingerprint, now, now + options.Value.IdempotencyWindow, out var stored))
                {
                    case AgentState.Claim.Answered:
                        return stored!;
                    case AgentState.Claim.OtherRequest:
                        return Reused();
                    case AgentState.Claim.Unknown:
                        return Results.Problem(
                            "An operation with this idempotency key was started earlier (before the agent restarted, or abandoned) and gave no answer: it is not started again. Read the server's state to learn what it did.",
                            statusCode: StatusCodes.Status409Conflict,
                            title: "Outcome unknown");
                    default:
                        answer = RunAndRecordAsync(key, action);
                        running[key] = (fingerprint, answer);
                        break;
                }
            }
        }

        return await answer;
    }

    async Task<StoredAnswer> RunAndRecordAsync(string key, Func<Task<IResult>> action)
    {
        await Task.Yield(); // run outside the lock
        try
        {
            IResult result;
            try
            {
                result = await action();
            }
            catch
            {
                // The operation itself failed unexpectedly: released, so a retry may act.
                state.Forget(key);
                throw;
            }

            // From here the executor has acted: a failure to capture or record its answer must not let a retry act
            // again. The key stays claimed with no answer, and a retry is told the outcome is unknown.
            var answer = await StoredAnswer.CaptureAsync(result, services);
            if (answer.IsDefinite)
            {
                state.Answer(key, answer);
            }

            // Not definite (abandoned after the execution limit): the key stays claimed with no answer, "outcome unknown".
            return answer;
        }
        finally
        {
            lock (gate)
            {
                running.Remove(key);
            }
        }
    }

    static IResult Reused() =>
        Results.Problem("This idempotency key was used for a different request.", statusCode: StatusCodes.Status409Conflict, title: "Idempotency key reused");
}
