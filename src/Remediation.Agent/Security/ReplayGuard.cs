using Remediation.Agent.State;

namespace Remediation.Agent.Security;

/// <summary>
/// Remembers nonces for twice the clock-skew window, on disk (<see cref="AgentState"/>): a request seen once is
/// refused the second time, also after the agent restarted.
/// </summary>
public sealed class ReplayGuard(AgentState state, TimeProvider time)
{
    /// <summary>True the first time <paramref name="nonce"/> is seen within <paramref name="keep"/>.</summary>
    public bool TryUse(string keyId, string nonce, TimeSpan keep)
    {
        var now = time.GetUtcNow();
        return state.TryUseNonce(keyId, nonce, now, now + keep);
    }
}
