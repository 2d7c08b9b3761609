using Microsoft.Extensions.Options;
using Remediation.Agent.Security;

namespace Remediation.Agent.Operations;

/// <summary>
/// Answers recorded by idempotency key. A retried step (its activity timed out, the network dropped the answer)
/// gets the first answer back and nothing is done twice; the same key on a different request is a conflict.
/// Concurrent requests with one key wait for the first.
/// </summary>
public sealed class IdempotencyStore(TimeProvider time, IOptions<AgentOptions> options)
{
    sealed record Entry(string Fingerprint, Task<IResult> Answer, DateTimeOffset Expires);

    readonly Lock gate = new();
    readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="action"/> once per key; later calls get its answer (or a 409 when the request differs).</summary>
    public Task<IResult> RunOnceAsync(string? key, string fingerprint, Func<Task<IResult>> action)
    {
        if (string.IsNullOrEmpty(key))
        {
            return action();
        }

        var now = time.GetUtcNow();
        lock (gate)
        {
            foreach (var old in entries.Where(kv => kv.Value.Expires < now).Select(kv => kv.Key).ToList())
            {
                entries.Remove(old);
            }

            if (entries.TryGetValue(key, out var existing))
            {
                return existing.Fingerprint == fingerprint
                    ? existing.Answer
                    : Task.FromResult<IResult>(Results.Problem(
                        "This idempotency key was used for a different request.", statusCode: StatusCodes.Status409Conflict, title: "Idempotency key reused"));
            }

            var answer = action();
            entries[key] = new Entry(fingerprint, answer, now + options.Value.IdempotencyWindow);
            return answer;
        }
    }
}
