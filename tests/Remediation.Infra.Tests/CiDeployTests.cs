using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Remediation.Infra.Tests;

/// <summary>
/// The tagged-release deploy job (.github/workflows/ci.yml): `az` and azd both signed in with OIDC, and every variable
/// infra/main.parameters.json reads handed to azd from the CI environment, so a release never resets production to
/// the template's defaults. The script it runs (infra/hooks/azd-env-from-ci.sh) runs here for real against a stand-in
/// azd that records what it is told.
/// </summary>
public sealed partial class CiDeployTests : IDisposable
{
    static readonly string Root = typeof(CiDeployTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    readonly string bin = Directory.CreateTempSubdirectory("fake-azd-").FullName;

    public CiDeployTests()
    {
        File.WriteAllText(Path.Combine(bin, "azd"), "#!/usr/bin/env bash\necho \"$*\" >> \"$(dirname \"$0\")/calls.log\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin, "azd"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => Directory.Delete(bin, recursive: true);

    /// <summary>Every variable the parameters file reads, with whether it has a default (${VAR=default}).</summary>
    static Dictionary<string, bool> ParameterVariables() =>
        Variable().Matches(File.ReadAllText(Path.Combine(Root, "infra", "main.parameters.json")))
            .GroupBy(m => m.Groups["name"].Value).ToDictionary(g => g.Key, g => g.All(m => m.Groups["default"].Success));

    [GeneratedRegex(@"\$\{(?<name>[A-Z0-9_]+)(?<default>=[^}]*)?\}")]
    private static partial Regex Variable();

    /// <summary>
    /// The deploy job's variables azd never sees: the parameter variables (azd's own aside) that no step of the job
    /// maps from the CI environment (<c>NAME: ${{ vars.NAME }}</c>).
    /// </summary>
    static List<string> Unpassed(string workflow)
    {
        var job = workflow[workflow.IndexOf("  deploy:", StringComparison.Ordinal)..];
        return [.. ParameterVariables().Keys
            .Where(v => v is not ("AZURE_ENV_NAME" or "AZURE_PRINCIPAL_ID"))
            .Where(v => !job.Contains($"{v}: ${{{{ vars.{v} }}}}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void The_deploy_job_hands_azd_every_variable_the_parameters_file_reads()
    {
        var workflow = File.ReadAllText(Path.Combine(Root, ".github", "workflows", "ci.yml"));

        Assert.Empty(Unpassed(workflow));
        Assert.Contains("run: bash infra/hooks/azd-env-from-ci.sh prod", workflow, StringComparison.Ordinal);
    }

    /// <summary>The same check on a copy of the deploy job as the issue found it: it passed three, and a release reset the rest.</summary>
    [Fact]
    public void The_variable_check_catches_the_deploy_job_as_it_was_filed()
    {
        var filed = File.ReadAllText(Path.Combine(Root, "tests", "Remediation.Infra.Tests", "AsFiled", "ci-deploy-job.yml"));

        var unpassed = Unpassed(filed);

        Assert.Contains("REMEDIATION_IMAP_TRUSTED_CA", unpassed);
        Assert.Contains("REMEDIATION_ESCALATION_WEBHOOK", unpassed);
        Assert.Contains("REMEDIATION_TEAMS_WORKFLOW", unpassed);
        Assert.Contains("REMEDIATION_ALERT_EMAIL", unpassed);
        Assert.DoesNotContain("REMEDIATION_AGENT_HOST", unpassed);
    }

    [Fact]
    public void Az_and_azd_both_sign_in_with_oidc_before_azd_up()
    {
        var workflow = File.ReadAllText(Path.Combine(Root, ".github", "workflows", "ci.yml"));
        var job = workflow[workflow.IndexOf("  deploy:", StringComparison.Ordinal)..];

        Assert.Contains("id-token: write", job, StringComparison.Ordinal);
        var login = job.IndexOf("uses: azure/login@v2", StringComparison.Ordinal);
        Assert.True(login > 0, "the Azure CLI is signed in (the postprovision hook runs az)");
        Assert.Contains("client-id: ${{ vars.AZURE_CLIENT_ID }}", job[login..], StringComparison.Ordinal);
        Assert.DoesNotContain("client-secret", job, StringComparison.Ordinal);
        Assert.True(login < job.IndexOf("azd up", StringComparison.Ordinal));
    }

    (int Exit, string Output, string[] Calls) Run(Dictionary<string, string> variables)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Root, "infra", "hooks", "azd-env-from-ci.sh"), "prod"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";
        foreach (var name in ParameterVariables().Keys.Append("AZURE_SUBSCRIPTION_ID"))
        {
            info.Environment.Remove(name);
        }

        foreach (var (key, value) in variables)
        {
            info.Environment[key] = value; // an unset GitHub variable arrives as an empty string
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit(30_000);
        var log = Path.Combine(bin, "calls.log");
        return (process.ExitCode, output.Result + errors, File.Exists(log) ? File.ReadAllLines(log) : []);
    }

    [Fact]
    public void Variables_ci_has_are_set_in_the_azd_environment_and_empty_ones_keep_the_templates_default()
    {
        var run = Run(new()
        {
            ["AZURE_SUBSCRIPTION_ID"] = "0000",
            ["AZURE_LOCATION"] = "westeurope",
            ["REMEDIATION_AGENT_HOST"] = "imapagent.contoso.local",
            ["REMEDIATION_IMAP_TRUSTED_CA"] = "true",
            ["REMEDIATION_ALERT_EMAIL"] = "",
        });

        Assert.True(run.Exit == 0, run.Output);
        Assert.Equal("env new prod --subscription 0000 --location westeurope --no-prompt", run.Calls[0]);
        Assert.Contains("env set REMEDIATION_IMAP_TRUSTED_CA true", run.Calls);
        Assert.Contains("env set REMEDIATION_AGENT_HOST imapagent.contoso.local", run.Calls);
        Assert.DoesNotContain(run.Calls, c => c.StartsWith("env set REMEDIATION_ALERT_EMAIL", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Calls, c => c.Contains("AZURE_PRINCIPAL_ID", StringComparison.Ordinal) || c.Contains("AZURE_ENV_NAME", StringComparison.Ordinal));
        Assert.Contains("REMEDIATION_ALERT_EMAIL not set in CI: the template's default", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_required_variable_ci_lacks_stops_the_deploy_naming_it_before_azd_is_touched()
    {
        var run = Run(new() { ["AZURE_SUBSCRIPTION_ID"] = "0000", ["AZURE_LOCATION"] = "westeurope", ["REMEDIATION_AGENT_HOST"] = "" });

        Assert.NotEqual(0, run.Exit);
        Assert.Contains("not set in the CI environment's variables, and required by infra/main.parameters.json: REMEDIATION_AGENT_HOST", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Calls);
    }
}
