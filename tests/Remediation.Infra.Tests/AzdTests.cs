using System.Text.Json;

namespace Remediation.Infra.Tests;

/// <summary>
/// `azd up --no-prompt` from nothing: azd deploys infra/main.bicep at subscription scope with infra/main.parameters.json
/// (the only parameter files azd reads), substituting ${VAR} from the azd environment; a required parameter without a
/// value there makes it prompt, which stops an unattended deploy.
/// </summary>
public sealed class AzdTests(BicepTests.Compiled arm) : IClassFixture<BicepTests.Compiled>
{
    static JsonElement Parameters()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "infra", "main.parameters.json")));
        return file.RootElement.GetProperty("parameters").Clone();

        static string RepositoryRoot() => typeof(AzdTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
    }

    [Fact]
    public void The_template_creates_its_resource_group_at_subscription_scope_tagged_with_the_azd_environment()
    {
        var root = arm.Template.RootElement;
        var group = Assert.Single(arm.OfType("Microsoft.Resources/resourceGroups"));

        Assert.Contains("subscriptionDeploymentTemplate", root.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        Assert.Equal("[parameters('environmentName')]", group.GetProperty("tags").GetProperty("azd-env-name").GetString());
    }

    [Fact]
    public void The_function_app_carries_the_azd_service_name_of_azure_yaml()
    {
        var azureYaml = File.ReadAllText(Path.Combine(arm.Root, "azure.yaml"));
        var app = Assert.Single(arm.OfType("Microsoft.Web/sites"), s => s.GetProperty("kind").GetString()!.Contains("functionapp", StringComparison.Ordinal));

        Assert.Contains("  functions:\n    project: src/Remediation.Functions", azureYaml, StringComparison.Ordinal);
        Assert.Contains("'azd-service-name', 'functions'", app.GetProperty("tags").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_required_parameter_comes_from_the_azd_environment()
    {
        var parameters = Parameters();
        var required = arm.Template.RootElement.GetProperty("parameters").EnumerateObject()
            .Where(p => !p.Value.TryGetProperty("defaultValue", out _)).Select(p => p.Name).ToList();

        Assert.Equal("${AZURE_ENV_NAME}", parameters.GetProperty("environmentName").GetProperty("value").GetString());
        Assert.Equal("${AZURE_LOCATION}", parameters.GetProperty("location").GetProperty("value").GetString());
        Assert.Equal(["agentHost", "environmentName", "location"], required.Order());
        Assert.Empty(Unfilled(required, parameters));
    }

    /// <summary>
    /// The same check on the template as the issue found it: four required parameters and no main.parameters.json
    /// (only main.dev/prod.bicepparam, which azd never reads): every one would make `azd up --no-prompt` stop.
    /// </summary>
    [Fact]
    public void The_parameter_check_catches_the_template_as_it_was_filed()
    {
        using var none = JsonDocument.Parse("{}");

        Assert.Equal(["agentHost", "agentKeyId", "environmentName", "location"], Unfilled(["environmentName", "location", "agentHost", "agentKeyId"], none.RootElement).Order());
    }

    static List<string> Unfilled(IEnumerable<string> required, JsonElement parameters) =>
        [.. required.Where(name => !parameters.TryGetProperty(name, out var p) || p.GetProperty("value").GetString() is not { Length: > 0 } value || !value.StartsWith("${", StringComparison.Ordinal))];

    [Fact]
    public void No_secret_is_committed_in_a_parameter_file()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(arm.Root, "infra"), "main.*"))
        {
            if (file.EndsWith(".bicep", StringComparison.Ordinal))
            {
                continue;
            }

            // Values that reach an escalation channel or sign in are secrets: never in a committed file. (A switch
            // such as escalationWebhook=true is not: the URL itself is the Key Vault secret escalation-webhook-url.)
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("webhookUrl", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("https://", text.Replace("https://schema.management.azure.com", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                using var parameters = System.Text.Json.JsonDocument.Parse(text);
                Assert.All(
                    parameters.RootElement.GetProperty("parameters").EnumerateObject(),
                    p => Assert.StartsWith("${", p.Value.GetProperty("value").GetString(), StringComparison.Ordinal)); // every value from the azd environment
            }
        }
    }

    [Fact]
    public void The_task_hub_drops_what_the_durable_extension_refuses_from_the_environment_name()
    {
        // azd environment names may hold hyphens ("contoso-prod"); task hub names may not.
        Assert.Contains("replace(parameters('environmentName'), '-', '')", arm.Text, StringComparison.Ordinal);
    }
}
