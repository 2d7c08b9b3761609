using System.Diagnostics;

namespace Remediation.Infra.Tests;

/// <summary>
/// The azd postprovision hook (infra/hooks/postprovision.sh) run for real by bash, against a stand-in `az` that records
/// its calls and keeps the secrets it is given (the Azure CLI cannot reach Azure here).
/// </summary>
public sealed class PostprovisionHookTests : IDisposable
{
    static readonly string Root = typeof(PostprovisionHookTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    readonly string bin = Directory.CreateTempSubdirectory("fake-az-").FullName;

    public PostprovisionHookTests()
    {
        // az keyvault secret show: succeeds only for secrets stored before; secret set: keeps the --file content.
        File.WriteAllText(Path.Combine(bin, "az"), """
            #!/usr/bin/env bash
            dir="$(dirname "$0")"
            echo "$*" >> "$dir/calls.log"
            name=""; file=""
            while [ $# -gt 0 ]; do case "$1" in --name) name="$2"; shift;; --file) file="$2"; shift;; esac; shift; done
            if grep -q "^keyvault secret show" <(tail -n1 "$dir/calls.log"); then [ -f "$dir/secret-$name" ]; exit $?; fi
            if grep -q "^keyvault secret set" <(tail -n1 "$dir/calls.log"); then cp "$file" "$dir/secret-$name"; fi
            exit 0
            """.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin, "az"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => Directory.Delete(bin, recursive: true);

    (int Exit, string Output) Run(Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Root, "infra", "hooks", "postprovision.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";
        info.Environment["AZURE_KEY_VAULT_NAME"] = "kv-test";
        info.Environment["AZURE_FUNCTION_APP_NAME"] = "app-test";
        info.Environment["AZURE_RESOURCE_GROUP"] = "rg-test";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit(60_000);
        return (process.ExitCode, output.Result + errors.Result);
    }

    [Fact]
    public void It_generates_the_agent_key_once_stores_handed_in_secrets_restarts_the_app_and_never_prints_a_secret()
    {
        const string webhook = "https://hooks.example.invalid/escalate?sig=SECRET-SIG";
        var ca = Path.Combine(bin, "imap-ca.pem");
        File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        var first = Run(new() { ["REMEDIATION_ESCALATION_WEBHOOK_URL"] = webhook, ["REMEDIATION_IMAP_TRUSTED_CA_FILE"] = ca });
        var key = File.ReadAllText(Path.Combine(bin, "secret-agent-signing-key"));
        var second = Run([]);
        var calls = File.ReadAllLines(Path.Combine(bin, "calls.log"));

        Assert.Equal((0, 0), (first.Exit, second.Exit));
        Assert.Equal(32, Convert.FromBase64String(key).Length);
        Assert.Equal(webhook, File.ReadAllText(Path.Combine(bin, "secret-escalation-webhook-url")));
        Assert.Equal(File.ReadAllText(ca).TrimEnd('\n'), File.ReadAllText(Path.Combine(bin, "secret-imap-trusted-ca")));
        Assert.Single(calls, c => c.StartsWith("keyvault secret set --vault-name kv-test --name agent-signing-key --file ", StringComparison.Ordinal)); // kept the second time
        Assert.Equal(2, calls.Count(c => c == "functionapp restart --name app-test --resource-group rg-test --output none"));
        Assert.Contains("agent-signing-key exists; kept", second.Output, StringComparison.Ordinal);
        Assert.Contains("hcmListener", first.Output, StringComparison.Ordinal);
        foreach (var secret in new[] { key, "SECRET-SIG" })
        {
            Assert.DoesNotContain(secret, first.Output + second.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(calls, c => c.Contains(secret, StringComparison.Ordinal)); // not on any command line
        }
    }

    [Fact]
    public void It_stops_with_a_clear_error_outside_azd()
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Root, "infra", "hooks", "postprovision.sh")]) { RedirectStandardError = true };
        info.Environment.Remove("AZURE_KEY_VAULT_NAME");
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("AZURE_KEY_VAULT_NAME is not set", error, StringComparison.Ordinal);
    }
}
