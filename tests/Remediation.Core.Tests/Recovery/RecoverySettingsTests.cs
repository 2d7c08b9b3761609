using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>One record is both the bound, validated settings and what a run carries: each setting written once.</summary>
public sealed class RecoverySettingsTests
{
    [Fact]
    public void The_defaults_and_the_standalone_hosts_appsettings_are_valid()
    {
        Assert.Equal(TimeSpan.FromMinutes(45), Bind([]).OtherRunWait);
        Assert.Equal(TimeSpan.FromSeconds(2), Bind(new() { ["Remediation:Recovery:PollInterval"] = "00:00:02" }).PollInterval);
    }

    [Fact]
    public void Settings_bind_from_configuration_with_their_lists_and_waits()
    {
        var settings = Bind(new()
        {
            ["Remediation:Recovery:DryRun"] = "true",
            ["Remediation:Recovery:ApprovalRequiredFor:0"] = "DatabaseFailover",
            ["Remediation:Recovery:ApprovalRequiredFor:1"] = "ServerRestart",
            ["Remediation:Recovery:TwoApproversFor:0"] = "ServerRestart",
            ["Remediation:Recovery:RestartWait"] = "00:25:00",
        });

        Assert.True(settings.DryRun);
        Assert.Equal([DisruptiveAction.DatabaseFailover, DisruptiveAction.ServerRestart], settings.ApprovalRequiredFor);
        Assert.Equal([DisruptiveAction.ServerRestart], settings.TwoApproversFor);
        Assert.Equal(TimeSpan.FromMinutes(25), settings.RestartWait);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.RecheckWait);
    }

    [Theory]
    [InlineData("Remediation:Recovery:PollInterval", "00:00:00.001", "PollInterval")]
    [InlineData("Remediation:Recovery:RestartWait", "02:00:00", "RestartWait")]
    [InlineData("Remediation:Recovery:OtherRunWait", "04:00:00", "OtherRunWait")]
    public void A_wait_that_would_take_too_many_looks_or_a_bad_value_is_refused_by_name(string key, string value, string named)
    {
        // 2 h of 2-s looks is 3,600 looks, each a few events in the run's history: refused.
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value, ["Remediation:Recovery:PollInterval"] = key.EndsWith("PollInterval", StringComparison.Ordinal) ? value : "00:00:02" }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    static RecoverySettings Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddValidatedOptions<RecoverySettings>(RecoverySettings.Section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<RecoverySettings>>().Value;
    }
}
