using Remediation.Host.Durable;

namespace Remediation.EndToEnd.Tests.Host;

/// <summary>The standalone host's Durable settings: each value out of range is refused at start, naming the setting and the value.</summary>
public sealed class DurableBackendOptionsTests
{
    [Fact]
    public void The_defaults_are_accepted_and_keep_extended_sessions_on()
    {
        var defaults = new DurableBackendOptions();

        Assert.Null(defaults.Validate());
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.ExtendedSessionIdleTimeout);
        Assert.Null(new DurableBackendOptions { ExtendedSessionIdleTimeout = TimeSpan.Zero }.Validate());
    }

    [Theory]
    [InlineData("ExtendedSessionIdleTimeout", "-00:00:01")]
    [InlineData("ExtendedSessionIdleTimeout", "00:10:01")]
    [InlineData("LeaseInterval", "00:00:14")]
    [InlineData("MessageVisibilityTimeout", "00:00:09")]
    [InlineData("MaxQueuePollingInterval", "00:00:00")]
    public void A_time_out_of_range_is_named_with_its_value(string setting, string value)
    {
        var options = new DurableBackendOptions();
        typeof(DurableBackendOptions).GetProperty(setting)!.SetValue(options, TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var problem = options.Validate();

        Assert.NotNull(problem);
        Assert.StartsWith($"Remediation:Durable:{setting} must be", problem, StringComparison.Ordinal);
        Assert.Contains($"(was {TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)})", problem, StringComparison.Ordinal);
    }
}
