namespace Remediation.Safety;

/// <summary>The actions that touch a server, each with its own throttle (like Managed Availability's responders).</summary>
public enum DisruptiveAction
{
    /// <summary>Restart-Service MSExchangeIMAP4 / MSExchangeIMAP4BE.</summary>
    RestartService,

    /// <summary>-DatabaseCopyActivationDisabledAndMoveNow $true.</summary>
    DatabaseFailover,

    /// <summary>Restart-Computer.</summary>
    ServerRestart,
}

/// <summary>Whether an action may go ahead, and if not why and how the run ends.</summary>
/// <param name="Allowed">True to go ahead.</param>
/// <param name="Refusal">Throttled or Rejected when refused.</param>
/// <param name="Reason">Why (always said, allowed or not).</param>
public sealed record SafetyVerdict(bool Allowed, Runs.RunOutcome Refusal, string Reason)
{
    /// <summary>Go ahead.</summary>
    public static SafetyVerdict Allow(string reason) => new(true, Runs.RunOutcome.Running, reason);
}
