using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Remediation.Agent.PowerShell;

namespace Remediation.Agent.Tests;

/// <summary>
/// Test-AgentPermissions.ps1, the read-only RBAC check shipped beside the agent, run by the real PowerShell SDK
/// against stand-ins of Get-ManagementRole and Get-ManagementRoleAssignment generated from Microsoft's documented
/// syntax (a parameter the real cmdlets lack fails binding). What it asks for is what the executor really passes.
/// </summary>
public sealed class AgentPermissionsTests : IDisposable
{
    const string Account = @"CONTOSO\gmsa-imapagent$";
    static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Test-AgentPermissions.ps1");
    readonly string directory = Directory.CreateTempSubdirectory("rbac-").FullName;
    readonly string module;

    public AgentPermissionsTests() => module = StandIn.CmdletSignatures.WriteModule(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    // The stand-in organisation's role entries: which role holds which cmdlet with which parameters.
    static readonly Dictionary<string, Dictionary<string, string[]>> Roles = new()
    {
        ["Monitoring"] = new() { ["Get-ServerHealth"] = ["Identity"], ["Invoke-MonitoringProbe"] = ["Identity", "Server"], ["Get-ServerComponentState"] = ["Identity"] },
        ["Database Copies"] = new()
        {
            ["Set-MailboxServer"] = ["Identity", "DatabaseCopyActivationDisabledAndMoveNow", "DatabaseCopyAutoActivationPolicy"],
            ["Move-ActiveMailboxDatabase"] = ["ActivatePreferredOnServer", "Identity", "Server"],
            ["Get-MailboxDatabaseCopyStatus"] = ["Server", "Identity"],
        },
        ["View-Only Configuration"] = new() { ["Get-MailboxServer"] = ["Identity"], ["Get-ImapSettings"] = ["Server"], ["Get-MailboxDatabaseCopyStatus"] = ["Server"] },
        ["POP3 and IMAP4 Protocols"] = new() { ["Set-ImapSettings"] = ["Server", "ProtocolLogEnabled", "Banner"], ["Get-ImapSettings"] = ["Server"] },

        // Offers Set-MailboxServer, but not the parameter the agent passes: holding it is not enough.
        ["Exchange Servers"] = new() { ["Set-MailboxServer"] = ["Identity", "MaximumActiveDatabases"] },
    };

    void Organisation(params (string Role, string[]? Servers, bool Delegating)[] assignments) =>
        File.WriteAllText(Path.Combine(directory, "rbac.json"), JsonSerializer.Serialize(new
        {
            roles = Roles,
            assignments = assignments.Select(a => new { assignee = Account, role = a.Role, servers = a.Servers, enabled = true, delegating = a.Delegating }),
        }));

    static readonly (string, string[]?, bool)[] Everything =
        [("Monitoring", null, false), ("Database Copies", null, false), ("View-Only Configuration", null, false), ("POP3 and IMAP4 Protocols", null, false)];

    List<PSObject> Run(params string[] servers)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(module);
        using var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        using var shell = System.Management.Automation.PowerShell.Create(runspace);
        shell.AddCommand(Script).AddParameter("Account", Account);
        if (servers.Length > 0)
        {
            shell.AddParameter("Server", servers);
        }

        return [.. shell.Invoke()];
    }

    [Fact]
    public async Task The_table_is_what_the_executor_really_passes_to_exchange()
    {
        using (var executor = new PowerShellExchangeExecutor(Options.Create(new PowerShellOptions { ModulePaths = [module] }), TimeProvider.System))
        {
            await executor.GetServerHealthAsync("MBX1", default);
            await executor.InvokeMonitoringProbeAsync("MBX1", "IMAP.Protocol", "ImapDeepTestProbe", default);
            await executor.SetDatabaseCopyActivationAsync("MBX1", true, default);
            await executor.ActivatePreferredOnServerAsync("MBX1", default);
            await executor.GetDatabaseCopyStatusAsync("MBX1", default);
            await executor.SetImapSettingsAsync("MBX1", true, default);
            await executor.GetImapSettingsAsync("MBX1", default);
            await executor.GetServerComponentStatesAsync("MBX1", default);
        }

        var common = new HashSet<string>(["Confirm", "ParameterSet"], StringComparer.OrdinalIgnoreCase);
        var calls = File.ReadAllLines(Path.Combine(directory, "calls.jsonl")).Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            return (Cmdlet: json.RootElement.GetProperty("cmdlet").GetString()!, Parameters: json.RootElement.GetProperty("params").EnumerateObject().Select(p => p.Name).Where(p => !common.Contains(p)).Order(StringComparer.Ordinal).ToArray());
        }).Where(c => PowerShellExchangeExecutor.ExchangeParameters.ContainsKey(c.Cmdlet)).ToList();

        Assert.Equal(PowerShellExchangeExecutor.ExchangeParameters.Keys.Order(StringComparer.Ordinal), calls.Select(c => c.Cmdlet).Distinct().Order(StringComparer.Ordinal));
        Assert.All(calls, c => Assert.Equal(PowerShellExchangeExecutor.ExchangeParameters[c.Cmdlet].Order(StringComparer.Ordinal), c.Parameters));

        // ... and the script asks Exchange for exactly that table.
        Organisation(Everything);
        var rows = Run();
        Assert.Equal(
            PowerShellExchangeExecutor.ExchangeParameters.Select(kv => (kv.Key, string.Join(", ", kv.Value))).Order(),
            rows.Select(r => ((string)r.Properties["Cmdlet"].Value, (string)r.Properties["Parameters"].Value)).Order());
    }

    [Fact]
    public void An_account_holding_every_role_passes_and_each_row_says_which_role_grants_it()
    {
        Organisation(Everything);

        var rows = Run("EXMBX01", "EXMBX02").ToDictionary(r => ((string)r.Properties["Cmdlet"].Value, (string)r.Properties["Server"].Value));

        Assert.Equal("Database Copies", rows[("Set-MailboxServer", "EXMBX02")].Properties["HeldThrough"].Value);
        Assert.Equal("Database Copies", rows[("Move-ActiveMailboxDatabase", "EXMBX01")].Properties["HeldThrough"].Value);
        Assert.Equal("POP3 and IMAP4 Protocols", rows[("Set-ImapSettings", "EXMBX01")].Properties["HeldThrough"].Value);
        Assert.Equal("Monitoring", rows[("Get-ServerHealth", "")].Properties["HeldThrough"].Value);

        // A read is held through either role that offers it; Exchange Servers does not offer -DatabaseCopyActivationDisabledAndMoveNow.
        Assert.Equal("Database Copies, View-Only Configuration", rows[("Get-MailboxDatabaseCopyStatus", "")].Properties["OfferedBy"].Value);
        Assert.Equal("Database Copies", rows[("Set-MailboxServer", "EXMBX01")].Properties["OfferedBy"].Value);
    }

    [Fact]
    public void A_missing_role_is_named_with_the_roles_that_would_grant_it()
    {
        Organisation(("Monitoring", null, false), ("Database Copies", null, false), ("View-Only Configuration", null, false));

        var refused = Assert.Throws<RuntimeException>(() => Run());

        Assert.Contains($"{Account} lacks the Exchange permissions the agent needs for: Set-ImapSettings -Server -ProtocolLogEnabled (one of: POP3 and IMAP4 Protocols)", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Get-ImapSettings", refused.Message, StringComparison.Ordinal); // View-Only Configuration grants the read
    }

    [Fact]
    public void A_change_must_be_in_scope_for_every_managed_server_and_a_delegating_assignment_grants_nothing()
    {
        Organisation(("Monitoring", null, false), ("Database Copies", ["EXMBX01"], false), ("View-Only Configuration", null, false), ("POP3 and IMAP4 Protocols", null, true));

        var refused = Assert.Throws<RuntimeException>(() => Run("EXMBX01", "EXMBX02"));

        Assert.Contains("Set-MailboxServer -Identity -DatabaseCopyActivationDisabledAndMoveNow on EXMBX02 (one of: Database Copies)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Move-ActiveMailboxDatabase -ActivatePreferredOnServer on EXMBX02", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DatabaseCopyActivationDisabledAndMoveNow on EXMBX01", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Set-ImapSettings -Server -ProtocolLogEnabled on EXMBX01", refused.Message, StringComparison.Ordinal);
    }
}
