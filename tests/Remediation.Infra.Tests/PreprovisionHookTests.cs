using System.Diagnostics;

namespace Remediation.Infra.Tests;

/// <summary>The azd preprovision hook (infra/hooks/preprovision.sh), run by bash: a name the resources refuse stops azd before anything exists.</summary>
public sealed class PreprovisionHookTests
{
    static readonly string Root = typeof(PreprovisionHookTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    static (int Exit, string Error) Run(string environmentName)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Root, "infra", "hooks", "preprovision.sh")]) { RedirectStandardError = true };
        info.Environment["AZURE_ENV_NAME"] = environmentName;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }

    [Theory]
    [InlineData("imap-prod")]
    [InlineData("dev")]
    [InlineData("a1")]
    [InlineData("contoso-prod")] // 12 characters: main.bicep's @maxLength(12)
    public void A_name_every_resource_can_carry_passes(string name) => Assert.Equal((0, ""), Run(name));

    [Theory]
    [InlineData("imap_prod")] // azd allows '_'; Service Bus and Relay namespace names do not
    [InlineData("imap.prod")]
    [InlineData("contoso-prod1")] // 13 characters
    [InlineData("x")]
    [InlineData("-prod")]
    [InlineData("prod-")]
    [InlineData("prod 1")]
    public void A_name_the_resources_refuse_stops_azd_with_the_rule(string name)
    {
        var run = Run(name);

        Assert.NotEqual(0, run.Exit);
        Assert.Contains($"the azd environment name '{name}' cannot name this template's resources: use 2-12 letters, digits or hyphens", run.Error, StringComparison.Ordinal);
    }
}
