using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Remediation.Infra.Tests;

/// <summary>The Bicep compiles and lints offline with no warning, and the ARM it produces is secure and complete.</summary>
public sealed partial class BicepTests : IClassFixture<BicepTests.Compiled>
{
    readonly Compiled arm;

    public BicepTests(Compiled arm) => this.arm = arm;

    /// <summary>Compiles infra/main.bicep once, and lints it.</summary>
    public sealed class Compiled : IDisposable
    {
        readonly string output = Directory.CreateTempSubdirectory("arm-").FullName;

        public Compiled()
        {
            Root = Metadata("RepositoryRoot");
            var bicep = Metadata("BicepCli");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
            }

            var main = Path.Combine(Root, "infra", "main.bicep");
            LintOutput = Run(bicep, "lint", main);
            BuildOutput = Run(bicep, "build", main, "--outfile", Path.Combine(output, "main.json"));
            ParamsOutput = Run(bicep, "build-params", Path.Combine(Root, "infra", "main.prod.bicepparam"), "--outfile", Path.Combine(output, "prod.json"))
                + Run(bicep, "build-params", Path.Combine(Root, "infra", "main.dev.bicepparam"), "--outfile", Path.Combine(output, "dev.json"));
            Text = File.ReadAllText(Path.Combine(output, "main.json"));
            Template = JsonDocument.Parse(Text);
        }

        public string Root { get; }

        public string LintOutput { get; }

        public string BuildOutput { get; }

        public string ParamsOutput { get; }

        public string Text { get; }

        public JsonDocument Template { get; }

        /// <summary>Every resource, modules' nested templates included, with its type.</summary>
        public IEnumerable<JsonElement> Resources => All(Template.RootElement);

        static IEnumerable<JsonElement> All(JsonElement template)
        {
            if (!template.TryGetProperty("resources", out var resources))
            {
                yield break;
            }

            var list = resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(p => p.Value) : resources.EnumerateArray();
            foreach (var resource in list)
            {
                yield return resource;
                if (resource.TryGetProperty("properties", out var p) && p.TryGetProperty("template", out var nested))
                {
                    foreach (var inner in All(nested))
                    {
                        yield return inner;
                    }
                }
            }
        }

        public List<JsonElement> OfType(string type) => [.. Resources.Where(r => r.GetProperty("type").GetString() == type)];

        public void Dispose()
        {
            Template.Dispose();
            Directory.Delete(output, recursive: true);
        }

        static string Metadata(string key) =>
            typeof(BicepTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

        static string Run(string file, params string[] args)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["BICEP_TRACING_ENABLED"] = "false";
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var text = stdout.Result + stderr;
            return process.ExitCode == 0 ? text : throw new InvalidOperationException($"bicep {string.Join(' ', args)} failed ({process.ExitCode}):\n{text}");
        }
    }

    static string Prop(JsonElement resource, params string[] path)
    {
        var e = resource.GetProperty("properties");
        foreach (var p in path)
        {
            e = e.GetProperty(p);
        }

        return e.ToString();
    }

    [Fact]
    public void Bicep_compiles_and_lints_with_no_warning()
    {
        Assert.Equal("", arm.LintOutput.Trim());
        Assert.Equal("", arm.BuildOutput.Trim());
        Assert.Equal("", arm.ParamsOutput.Trim());
    }

    [Fact]
    public void Storage_requires_tls12_https_and_no_public_blob_access_or_shared_keys()
    {
        var storage = Assert.Single(arm.OfType("Microsoft.Storage/storageAccounts"));

        Assert.Equal(("TLS1_2", "True", "False", "False"), (Prop(storage, "minimumTlsVersion"), Prop(storage, "supportsHttpsTrafficOnly"), Prop(storage, "allowBlobPublicAccess"), Prop(storage, "allowSharedKeyAccess")));
    }

    [Fact]
    public void The_function_app_is_https_only_tls12_with_a_managed_identity_on_a_windows_dedicated_plan_with_always_on()
    {
        var site = Assert.Single(arm.OfType("Microsoft.Web/sites"));
        var plan = Assert.Single(arm.OfType("Microsoft.Web/serverfarms"));

        Assert.Equal("True", Prop(site, "httpsOnly"));
        Assert.Equal("1.2", Prop(site, "siteConfig", "minTlsVersion"));
        Assert.Equal("Disabled", Prop(site, "siteConfig", "ftpsState"));
        Assert.Equal("v10.0", Prop(site, "siteConfig", "netFrameworkVersion"));
        Assert.Equal("UserAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal(("S1", "Standard", "False"), (plan.GetProperty("sku").GetProperty("name").GetString(), plan.GetProperty("sku").GetProperty("tier").GetString(), Prop(plan, "reserved")));
        Assert.Equal("True", Prop(site, "siteConfig", "alwaysOn"));
    }

    /// <summary>
    /// Where the deployed code lives must survive a restart: a Windows Elastic Premium app keeps it in an Azure Files
    /// content share reached with a storage key (this account allows none) or runs from a package URL (azd's zip
    /// deploy is neither). The Dedicated plan keeps it in the site; it must not be pointed at a content share either.
    /// </summary>
    [Fact]
    public void The_deployed_package_persists_without_a_content_share_or_a_storage_key()
    {
        var plan = Assert.Single(arm.OfType("Microsoft.Web/serverfarms"));

        Assert.NotEqual("ElasticPremium", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.DoesNotContain("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", arm.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("WEBSITE_CONTENTSHARE", arm.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey=", arm.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_hybrid_connection_has_its_own_send_only_rule_for_the_app_and_listen_only_rule_for_the_connection_manager()
    {
        var rules = arm.OfType("Microsoft.Relay/namespaces/hybridConnections/authorizationRules");

        Assert.Equal(2, rules.Count); // two copy loops: one send, one listen rule per connection
        var rights = rules.Select(r => string.Join(',', r.GetProperty("properties").GetProperty("rights").EnumerateArray().Select(x => x.GetString()))).Order().ToList();
        Assert.Equal(["Listen", "Send"], rights);
        Assert.All(rules, r => Assert.Equal("[length(parameters('connections'))]", r.GetProperty("copy").GetProperty("count").GetString()));
    }

    [Fact]
    public void Every_resource_that_holds_state_or_secrets_sends_its_logs_to_log_analytics()
    {
        var scopes = arm.OfType("Microsoft.Insights/diagnosticSettings").Select(d => d.GetProperty("scope").GetString()!).ToList();

        foreach (var expected in new[] { "Microsoft.Web/sites", "Microsoft.ServiceBus/namespaces", "Microsoft.Relay/namespaces", "Microsoft.KeyVault/vaults", "tableServices", "queueServices", "blobServices" })
        {
            Assert.Contains(scopes, s => s.Contains(expected, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Escalation_secrets_are_key_vault_references_never_parameter_values()
    {
        Assert.Contains("@Microsoft.KeyVault(VaultName={0};SecretName=escalation-webhook-url)", arm.Text, StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(VaultName={0};SecretName=smtp-password)", arm.Text, StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(VaultName={0};SecretName=teams-workflow-url)", arm.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("escalationWebhookUrl", arm.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_imap_ca_is_pinned_on_every_endpoint_from_key_vault_only_when_asked()
    {
        const string reference = "@Microsoft.KeyVault(VaultName={0};SecretName=imap-trusted-ca)";
        Assert.Contains(reference, arm.Text, StringComparison.Ordinal);
        Assert.Contains("__FrontEnd__TrustedCa", arm.Text, StringComparison.Ordinal);
        Assert.Contains("__BackEnd__TrustedCa", arm.Text, StringComparison.Ordinal);
        Assert.Contains("imapTrustedCa", arm.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Role_assignments_are_the_six_the_app_needs_and_the_deployers_secrets_officer_each_scoped_to_its_resource()
    {
        var assignments = arm.OfType("Microsoft.Authorization/roleAssignments");

        Assert.Equal(7, assignments.Count);
        Assert.All(assignments, a =>
        {
            var scope = a.GetProperty("scope").GetString()!;
            Assert.Matches("Microsoft\\.(ServiceBus/namespaces/queues|Storage/storageAccounts|KeyVault/vaults)", scope);
        });
        // Service Bus data sender and receiver, storage blob/queue/table data, Key Vault secrets user: each once.
        var roles = assignments.Select(a => Prop(a, "roleDefinitionId")).ToList();
        Assert.Equal(7, roles.Distinct().Count());
        foreach (var role in new[] { "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "4633458b-17de-408a-b874-0445c86b69e6" })
        {
            Assert.Contains(role, arm.Text, StringComparison.Ordinal);
        }

        // The deployer (AZURE_PRINCIPAL_ID) may write secrets in this vault only, and only when azd says who it is:
        // Key Vault Secrets Officer (b86a8fe4-...), a vault with RBAC grants Owner nothing on its data plane.
        var deployer = Assert.Single(assignments, a => Prop(a, "roleDefinitionId").Contains("keyVaultSecretsOfficer", StringComparison.Ordinal));
        Assert.Contains("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", arm.Text, StringComparison.Ordinal);
        Assert.Equal("[not(empty(parameters('deployerPrincipalId')))]", deployer.GetProperty("condition").GetString());
        Assert.Contains("Microsoft.KeyVault/vaults", deployer.GetProperty("scope").GetString(), StringComparison.Ordinal);

        Assert.DoesNotContain("/subscriptions/", string.Join(' ', assignments.Select(a => a.GetProperty("scope").GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public void Relay_rules_are_created_one_at_a_time_and_a_plan_never_gets_more_than_its_25_hybrid_connections()
    {
        // Relay refuses concurrent rule operations on one entity: serial copy loops, listen rules after send rules.
        var rules = arm.OfType("Microsoft.Relay/namespaces/hybridConnections/authorizationRules");
        Assert.All(rules, r => Assert.Equal(("serial", 1), (r.GetProperty("copy").GetProperty("mode").GetString(), r.GetProperty("copy").GetProperty("batchSize").GetInt32())));
        var listen = Assert.Single(rules, r => r.GetProperty("properties").GetProperty("rights")[0].GetString() == "Listen");
        Assert.Contains(listen.GetProperty("dependsOn").EnumerateArray(), d => d.GetString() == "send"); // the send rules' copy loop

        // S1 binds at most 25 Hybrid Connections per plan (REFERENCE.md; Microsoft's App Service limits).
        var relay = arm.Resources.Single(r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments" && r.GetProperty("name").GetString() == "relay");
        Assert.Equal(25, relay.GetProperty("properties").GetProperty("template").GetProperty("parameters").GetProperty("connections").GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public void Task_hub_storage_logs_writes_and_deletes_but_not_the_providers_polling_reads()
    {
        var storage = arm.OfType("Microsoft.Insights/diagnosticSettings").Where(d => d.GetProperty("scope").GetString()!.Contains("Services", StringComparison.Ordinal)).ToList();

        Assert.Equal(3, storage.Count);
        Assert.All(storage, d => Assert.Equal(
            ["StorageDelete", "StorageWrite"],
            d.GetProperty("properties").GetProperty("logs").EnumerateArray().Select(l => l.GetProperty("category").GetString()!).Order()));
    }

    [Fact]
    public void Hybrid_connections_exist_for_the_agent_and_every_imap_endpoint_and_are_bound_to_the_app()
    {
        Assert.Single(arm.OfType("Microsoft.Relay/namespaces/hybridConnections"));
        var binding = Assert.Single(arm.OfType("Microsoft.Web/sites/hybridConnectionNamespaces/relays"));
        Assert.True(binding.TryGetProperty("copy", out _), "one binding per Hybrid Connection");
        Assert.Contains("listKeys", Prop(binding, "sendKeyValue"), StringComparison.Ordinal);
        Assert.Contains("'Send'", arm.Text.Replace("\"Send\"", "'Send'", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void The_alerts_queue_detects_duplicates_and_dead_letters()
    {
        var queue = Assert.Single(arm.OfType("Microsoft.ServiceBus/namespaces/queues"));
        var ns = Assert.Single(arm.OfType("Microsoft.ServiceBus/namespaces"));

        Assert.Equal(("True", "10", "PT1M", "True"), (Prop(queue, "requiresDuplicateDetection"), Prop(queue, "maxDeliveryCount"), Prop(queue, "lockDuration"), Prop(queue, "deadLetteringOnMessageExpiration")));
        Assert.Equal(("1.2", "True"), (Prop(ns, "minimumTlsVersion"), Prop(ns, "disableLocalAuth")));
        Assert.Equal("True", Prop(Assert.Single(arm.OfType("Microsoft.KeyVault/vaults")), "enableRbacAuthorization"));
        Assert.Equal(7, arm.OfType("Microsoft.Insights/diagnosticSettings").Count);
        Assert.Single(arm.OfType("Microsoft.Insights/workbooks"));
    }

    [Fact]
    public void Every_setting_the_functions_app_reads_is_provided_by_the_template()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(arm.Root, "local.settings.sample.json")));
        var missing = sample.RootElement.GetProperty("Values").EnumerateObject()
            .Select(p => p.Name)
            .Where(name => name is not "AzureWebJobsStorage" and not "Remediation__ServiceBus__ConnectionString" and not "Remediation__Storage__ConnectionString") // identity-based in Azure
            .Select(name => Index().Replace(name, "__{0}__"))
            .Distinct()
            .Where(name => !arm.Text.Contains($"'{name}'", StringComparison.Ordinal) && !arm.Text.Contains($"\"{name}\"", StringComparison.Ordinal))
            .ToList();

        Assert.Empty(missing);
        Assert.Contains("AzureWebJobsStorage__accountName", arm.Text, StringComparison.Ordinal);
        Assert.Contains("Remediation__Storage__AccountName", arm.Text, StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(VaultName={0};SecretName=agent-signing-key)", arm.Text, StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(VaultName={0};SecretName=agent-certificate-thumbprint)", arm.Text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"__\d+__")]
    private static partial Regex Index();

    [Fact]
    public void The_products_own_health_alerts_into_one_action_group()
    {
        var metric = arm.OfType("Microsoft.Insights/metricAlerts");
        var logs = arm.OfType("Microsoft.Insights/scheduledQueryRules").Where(r => r.TryGetProperty("copy", out _)).ToList();
        Assert.Single(arm.OfType("Microsoft.Insights/actionGroups"), g => g.GetProperty("properties").TryGetProperty("emailReceivers", out _));

        // Metric names as Azure Monitor lists them for each resource type; the log rules query what the engine emits.
        Assert.Contains("\"HealthCheckStatus\"", arm.Text, StringComparison.Ordinal);
        Assert.Contains("\"Http5xx\"", arm.Text, StringComparison.Ordinal);
        Assert.Contains("\"DeadletteredMessages\"", arm.Text, StringComparison.Ordinal);
        Assert.Contains("\"ActiveListeners\"", arm.Text, StringComparison.Ordinal);
        Assert.Contains($"name == \\\"{Remediation.Telemetry.RemediationTelemetry.Runs.Name}\\\"", arm.Text, StringComparison.Ordinal);
        Assert.Contains($"name == \\\"{Remediation.Telemetry.RemediationTelemetry.ProbeFailures.Name}\\\"", arm.Text, StringComparison.Ordinal);
        Assert.Single(metric);
        Assert.Single(logs);
        Assert.Equal("[length(variables('metricAlerts'))]", metric[0].GetProperty("copy").GetProperty("count").GetString());

        // Meaning, not only shape. ActiveListeners offers Total only (Microsoft's supported-metrics table for
        // Microsoft.Relay/namespaces); a log rule counting rows must return none when nothing is wrong: a bare
        // "summarize sum()" returns one row always, so the rule fired forever.
        var alerts = Variable("metricAlerts").EnumerateArray().ToList();
        Assert.All(alerts.Where(a => a.GetProperty("metric").GetString() == "ActiveListeners"), a => Assert.Equal("Total", a.GetProperty("aggregation").GetString()));
        Assert.Equal(
            [("LessThan", 1), ("LessThanOrEqual", 5)],
            alerts.Where(a => a.GetProperty("metric").GetString() == "ActiveListeners").Select(a => (a.GetProperty("operator").GetString(), a.GetProperty("threshold").GetInt32())));
        Assert.All(Variable("logAlerts").EnumerateArray(), a => Assert.Matches(@"\| where \w+ (>|>=) \d+$", a.GetProperty("query").GetString()!));
    }

    // A module variable as compiled (the nested templates are searched).
    JsonElement Variable(string name)
    {
        foreach (var resource in arm.OfType("Microsoft.Resources/deployments"))
        {
            if (resource.GetProperty("properties").GetProperty("template").TryGetProperty("variables", out var variables) && variables.TryGetProperty(name, out var value))
            {
                return value;
            }
        }

        throw new Xunit.Sdk.XunitException($"No variable {name} in any module.");
    }

    /// <summary>
    /// The mission's alert webhooks, as code: an Azure Monitor rule whose action group calls the Alerts function with
    /// the common alert schema (the shape the webhook parses), one alert per server, naming the health set the run takes.
    /// </summary>
    [Fact]
    public void An_example_azure_monitor_rule_starts_runs_through_the_alerts_function_with_the_common_schema()
    {
        var group = Assert.Single(arm.OfType("Microsoft.Insights/actionGroups"), g => g.GetProperty("properties").TryGetProperty("azureFunctionReceivers", out _));
        var receiver = group.GetProperty("properties").GetProperty("azureFunctionReceivers")[0];
        var rule = Assert.Single(arm.OfType("Microsoft.Insights/scheduledQueryRules"), r => r.GetProperty("properties").GetProperty("actions").TryGetProperty("customProperties", out _));
        var criterion = rule.GetProperty("properties").GetProperty("criteria").GetProperty("allOf")[0];

        Assert.Equal("Alerts", receiver.GetProperty("functionName").GetString());
        Assert.True(receiver.GetProperty("useCommonAlertSchema").GetBoolean());
        Assert.Equal("[format('https://{0}/api/alerts', parameters('functionAppHostName'))]", receiver.GetProperty("httpTriggerUrl").GetString());
        Assert.Equal("Computer", criterion.GetProperty("dimensions")[0].GetProperty("name").GetString()); // one alert per server

        // Off until turned on (it starts real runs), and not validated against a table that exists only once Windows
        // events arrive (a fresh workspace would fail the deployment).
        Assert.Equal("[parameters('exampleRuleEnabled')]", rule.GetProperty("properties").GetProperty("enabled").GetString());
        Assert.True(rule.GetProperty("properties").GetProperty("skipQueryValidation").GetBoolean());
        Assert.Equal(Imap.ImapHealthModel.ProtocolHealthSet, rule.GetProperty("properties").GetProperty("actions").GetProperty("customProperties").GetProperty("healthSet").GetString());
        Assert.Contains("resourceId('Microsoft.Insights/actionGroups'", rule.GetProperty("properties").GetProperty("actions").GetProperty("actionGroups")[0].GetString(), StringComparison.Ordinal);
    }
}
