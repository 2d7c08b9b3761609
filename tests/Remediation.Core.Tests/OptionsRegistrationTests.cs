using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Escalation;
using Remediation.Exchange;
using Remediation.Safety;
using Remediation.Storage;

namespace Remediation.Core.Tests;

/// <summary>Every feature's settings fail fast at start-up with a message that names the bad setting.</summary>
public sealed class OptionsRegistrationTests
{
    [Theory]
    [InlineData("Remediation:Agent:BaseAddress", "https://agent.contoso.com/", "Remediation:Agent:BaseAddress")]
    [InlineData("Remediation:Agent:Key", "c2hvcnQ=", "Remediation:Agent:BaseAddress")]
    [InlineData("Remediation:Escalation:WebhookUrl", "http://hooks.contoso.com/x", "Remediation:Escalation:WebhookUrl")]
    [InlineData("Remediation:Escalation:Smtp:Host", "smtp.contoso.com", "Remediation:Escalation:Smtp:From")]
    [InlineData("Remediation:Throttles:ServerRestart:ServerMaxPerDay", "-1", "Remediation:Throttles:ServerRestart")]
    [InlineData("Remediation:ServiceBus:QueueName", "", "Remediation:ServiceBus:QueueName")]
    [InlineData("Remediation:Storage:TablePrefix", "imap-remediation", "Remediation:Storage:TablePrefix")]
    public void A_bad_setting_stops_the_engine_from_starting_and_is_named(string key, string value, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Start(new() { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_complete_agent_and_loopback_webhook_are_accepted()
    {
        Start(new()
        {
            ["Remediation:Agent:BaseAddress"] = "https://agent.contoso.com/",
            ["Remediation:Agent:KeyId"] = "k1",
            ["Remediation:Agent:Key"] = Convert.ToBase64String(new byte[32]),
            ["Remediation:Escalation:WebhookUrl"] = "http://127.0.0.1:9000/hook",
        });
    }

    static void Start(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddStorage().AddExchangeAgent().AddAlerts(configuration).AddSafety(configuration).AddEscalation();
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<AgentClientOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<EscalationOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<ThrottleOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
    }
}
