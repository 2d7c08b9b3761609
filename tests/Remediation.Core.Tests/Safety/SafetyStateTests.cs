using Remediation.Safety;

namespace Remediation.Core.Tests.Safety;

public sealed class SafetyStateTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);
    static readonly ThrottleRule ServerRestart = new ThrottleOptions().ServerRestart;

    [Fact]
    public void A_server_restart_is_refused_within_12_hours_of_the_last_and_a_retried_step_is_not_counted_twice()
    {
        var (afterFirst, first) = ThrottleLedger.TryAcquire(GroupSafety.Empty, ServerRestart, DisruptiveAction.ServerRestart, "MBX1", "DAG1", "r1:7", Now);
        var (_, retry) = ThrottleLedger.TryAcquire(afterFirst, ServerRestart, DisruptiveAction.ServerRestart, "MBX1", "DAG1", "r1:7", Now.AddMinutes(1));
        var (unchanged, second) = ThrottleLedger.TryAcquire(afterFirst, ServerRestart, DisruptiveAction.ServerRestart, "MBX1", "DAG1", "r2:7", Now.AddHours(11));
        var (_, later) = ThrottleLedger.TryAcquire(afterFirst, ServerRestart, DisruptiveAction.ServerRestart, "MBX1", "DAG1", "r3:7", Now.AddHours(25));

        Assert.True(first.Allowed);
        Assert.Contains("already counted for this step", retry.Reason, StringComparison.Ordinal);
        Assert.False(second.Allowed);
        Assert.Contains("the minimum interval is 720 min", second.Reason, StringComparison.Ordinal);
        Assert.Single(unchanged.Taken);
        Assert.True(later.Allowed);
    }
}
