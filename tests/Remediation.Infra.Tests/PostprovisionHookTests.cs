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
        // A stand-in `az` that answers as the real CLI does (its error texts): signed out while "signed-out" exists; the
        // vault's data plane answers 403 "(Forbidden)" until "forbidden-left" counts down to 0 (a role assignment
        // propagating; "forbidden-left" absent: granted); secret show: "(SecretNotFound)" for a secret never stored, or
        // the answer in "show-error" when a test puts one there; secret set keeps the --file content.
        File.WriteAllText(Path.Combine(bin, "az"), """
            #!/usr/bin/env bash
            dir="$(dirname "$0")"
            echo "$*" >> "$dir/calls.log"
            name=""; file=""
            for ((i = 1; i <= $#; i++)); do case "${!i}" in --name) j=$((i + 1)); name="${!j}";; --file) j=$((i + 1)); file="${!j}";; esac; done
            case "$1 $2" in
              "account show") [ ! -f "$dir/signed-out" ] || { echo "ERROR: Please run 'az login' to setup account." >&2; exit 1; }; exit 0;;
              "functionapp show")
                case "$*" in *defaultHostName*) echo "app-test.azurewebsites.net";; *) echo "/subscriptions/0000/resourceGroups/rg-test/providers/Microsoft.Web/sites/app-test";; esac
                exit 0;;
              "ad app")
                case "$3" in
                  show) [ -f "$dir/redirects" ] || { echo "ERROR: Resource does not exist." >&2; exit 1; }; cat "$dir/redirects";;
                  update) shift 6; : > "$dir/redirects"; while [ $# -gt 0 ] && [ "$1" != "--output" ]; do echo "$1" >> "$dir/redirects"; shift; done;;
                esac
                exit 0;;
              "keyvault secret")
                if [ -f "$dir/forbidden-left" ]; then
                  left=$(cat "$dir/forbidden-left")
                  if [ "$left" -gt 0 ]; then
                    echo $((left - 1)) > "$dir/forbidden-left"
                    echo "ERROR: (Forbidden) Caller is not authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'" >&2; exit 1
                  fi
                fi
                case "$3" in
                  show)
                    [ ! -f "$dir/show-error" ] || { cat "$dir/show-error" >&2; exit 1; }
                    [ -f "$dir/secret-$name" ] || { echo "ERROR: (SecretNotFound) A secret with (name/id) $name was not found in this key vault." >&2; exit 1; }
                    echo "https://kv-test.vault.azure.net/secrets/$name/1";;
                  set) cp "$file" "$dir/secret-$name";;
                esac
                exit 0;;
            esac
            exit 0
            """.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin, "az"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    string[] Calls() => File.Exists(Path.Combine(bin, "calls.log")) ? File.ReadAllLines(Path.Combine(bin, "calls.log")) : [];

    public void Dispose() => Directory.Delete(bin, recursive: true);

    (int Exit, string Output) Run(Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Root, "infra", "hooks", "postprovision.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";
        info.Environment["AZURE_KEY_VAULT_NAME"] = "kv-test";
        info.Environment["AZURE_FUNCTION_APP_NAME"] = "app-test";
        info.Environment["AZURE_RESOURCE_GROUP"] = "rg-test";
        info.Environment["REMEDIATION_HOOK_RETRY_SECONDS"] = "0";
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
        var calls = Calls();

        Assert.Equal((0, 0), (first.Exit, second.Exit));
        Assert.Equal(32, Convert.FromBase64String(key).Length);
        Assert.Equal(webhook, File.ReadAllText(Path.Combine(bin, "secret-escalation-webhook-url")));
        Assert.Equal(File.ReadAllText(ca).TrimEnd('\n'), File.ReadAllText(Path.Combine(bin, "secret-imap-trusted-ca")));
        Assert.Single(calls, c => c.StartsWith("keyvault secret set --vault-name kv-test --name agent-signing-key --file ", StringComparison.Ordinal)); // kept the second time
        Assert.Equal(2, calls.Count(c => c == "functionapp restart --name app-test --resource-group rg-test --output none"));

        // References resolve again: the documented refresh call on the app, then the restart.
        var refresh = Array.IndexOf(calls, "rest --method post --url https://management.azure.com/subscriptions/0000/resourceGroups/rg-test/providers/Microsoft.Web/sites/app-test/config/configreferences/appsettings/refresh?api-version=2022-03-01 --output none");
        Assert.True(refresh > 0 && calls[refresh + 1].StartsWith("functionapp restart", StringComparison.Ordinal), string.Join('\n', calls));
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

    [Fact]
    public void It_waits_while_the_deployers_role_propagates_then_stores_the_key_once()
    {
        File.WriteAllText(Path.Combine(bin, "forbidden-left"), "3");

        var run = Run([]);

        Assert.True(run.Exit == 0, run.Output);
        Assert.Equal(3, run.Output.Split('\n').Count(l => l.Contains("waiting for the Key Vault Secrets Officer role on kv-test", StringComparison.Ordinal)));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(Path.Combine(bin, "secret-agent-signing-key"))).Length);
        Assert.Single(Calls(), c => c.StartsWith("keyvault secret set --vault-name kv-test --name agent-signing-key", StringComparison.Ordinal));
    }

    [Fact]
    public void A_role_that_never_arrives_stops_the_hook_naming_the_role_and_changing_nothing()
    {
        File.WriteAllText(Path.Combine(bin, "forbidden-left"), "1000");

        var run = Run(new() { ["REMEDIATION_HOOK_WAIT_SECONDS"] = "0" });

        Assert.NotEqual(0, run.Exit);
        Assert.Contains("needs Key Vault Secrets Officer on it (the template grants it to AZURE_PRINCIPAL_ID", run.Output, StringComparison.Ordinal);
        Assert.Contains("(Forbidden) Caller is not authorized", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Calls(), c => c.StartsWith("keyvault secret set", StringComparison.Ordinal) || c.StartsWith("functionapp restart", StringComparison.Ordinal));
    }

    [Fact]
    public void An_az_that_is_not_signed_in_is_named_before_anything_is_tried()
    {
        File.WriteAllText(Path.Combine(bin, "signed-out"), "");

        var run = Run([]);

        Assert.NotEqual(0, run.Exit);
        Assert.Contains("the Azure CLI is not signed in (azd signs in only itself). Run 'az login'", run.Output, StringComparison.Ordinal);
        Assert.Equal(["account show --output none"], Calls());
    }

    [Fact]
    public void A_key_whose_existence_cannot_be_read_is_never_replaced()
    {
        Assert.Equal(0, Run([]).Exit);
        var key = File.ReadAllText(Path.Combine(bin, "secret-agent-signing-key"));
        File.WriteAllText(Path.Combine(bin, "show-error"), "ERROR: (Throttled) Too many requests.");

        var run = Run([]);

        Assert.NotEqual(0, run.Exit);
        Assert.Contains("cannot tell whether Key Vault secret agent-signing-key exists (it is left as it is): ERROR: (Throttled)", run.Output, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(Path.Combine(bin, "secret-agent-signing-key")));
        Assert.Single(Calls(), c => c.StartsWith("keyvault secret set --vault-name kv-test --name agent-signing-key", StringComparison.Ordinal));
    }

    [Fact]
    public void Probe_passwords_from_a_file_become_the_secrets_the_template_references_and_are_never_printed()
    {
        var file = Path.Combine(bin, "probe-passwords");
        File.WriteAllText(file, "# probe mailboxes\nEXMBX01=Pa=ss;word 1\r\n\nexcas01.contoso.local=S3cond!$(x)\n");

        var run = Run(new() { ["REMEDIATION_PROBE_PASSWORDS_FILE"] = file });

        Assert.True(run.Exit == 0, run.Output);
        Assert.Equal("Pa=ss;word 1", File.ReadAllText(Path.Combine(bin, "secret-probe-exmbx01")));
        Assert.Equal("S3cond!$(x)", File.ReadAllText(Path.Combine(bin, "secret-probe-excas01.contoso.local")));
        Assert.Contains("stored Key Vault secret probe-exmbx01", run.Output, StringComparison.Ordinal);
        foreach (var secret in new[] { "Pa=ss;word 1", "S3cond!$(x)" })
        {
            Assert.DoesNotContain(secret, run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(Calls(), c => c.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_malformed_probe_password_file_stores_none_of_it()
    {
        var file = Path.Combine(bin, "probe-passwords");
        File.WriteAllText(file, "EXMBX01=fine\nEXMBX02 password-without-equals\n");

        var run = Run(new() { ["REMEDIATION_PROBE_PASSWORDS_FILE"] = file });

        Assert.NotEqual(0, run.Exit);
        Assert.Contains("REMEDIATION_PROBE_PASSWORDS_FILE line 2 is not SERVER=password", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("password-without-equals", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(bin, "secret-probe-exmbx01")));
    }

    [Fact]
    public void The_operators_sign_in_gets_its_client_secret_and_its_callback_registered_once()
    {
        File.WriteAllText(Path.Combine(bin, "redirects"), "https://localhost:5001/signin-oidc\n");
        var settings = new Dictionary<string, string> { ["REMEDIATION_OPERATOR_CLIENT_ID"] = "11111111-2222", ["REMEDIATION_OPERATOR_CLIENT_SECRET"] = "Cl1ent~Secret" };

        var first = Run(settings);
        var second = Run(settings);

        Assert.Equal((0, 0), (first.Exit, second.Exit));
        Assert.Equal("Cl1ent~Secret", File.ReadAllText(Path.Combine(bin, "secret-operator-client-secret")));
        Assert.Equal(["https://localhost:5001/signin-oidc", "https://app-test.azurewebsites.net/.auth/login/aad/callback"], File.ReadAllLines(Path.Combine(bin, "redirects")));
        Assert.Single(Calls(), c => c.StartsWith("ad app update --id 11111111-2222 --web-redirect-uris https://localhost:5001/signin-oidc https://app-test.azurewebsites.net/.auth/login/aad/callback", StringComparison.Ordinal));
        Assert.Contains("the sign-in callback https://app-test.azurewebsites.net/.auth/login/aad/callback is registered", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Cl1ent~Secret", first.Output + second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Calls(), c => c.Contains("Cl1ent~Secret", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sign_in_without_its_client_secret_is_named_and_deploys_anyway()
    {
        var run = Run(new() { ["REMEDIATION_OPERATOR_CLIENT_ID"] = "11111111-2222" });

        Assert.True(run.Exit == 0, run.Output);
        Assert.Contains("operator-client-secret is not in Key Vault: operators cannot sign in until it is", run.Output, StringComparison.Ordinal);
        Assert.Contains("cannot read app registration 11111111-2222", run.Output, StringComparison.Ordinal);
    }
}
