using Remediation.Agent.Tests.StandIn;

namespace Remediation.Agent.Tests;

/// <summary>The signatures read from the real Windows assemblies say what Microsoft's documentation says.</summary>
public sealed class CmdletSignatureTests
{
    [Fact]
    public void Invoke_CimMethod_has_no_Filter_and_calls_an_instance_method_through_InputObject_or_Query()
    {
        var signature = CmdletSignatures.Of("Invoke-CimMethod");

        Assert.DoesNotContain(signature.Parameters, p => p.Name == "Filter");
        Assert.Contains("CimInstanceComputerSet", signature.SetNames);
        Assert.Contains("QueryComputerSet", signature.SetNames);
        var input = Assert.Single(signature.Parameters, p => p.Name == "InputObject");
        Assert.All(input.Sets, s => Assert.True(s.FromPipeline && s.Mandatory));
        Assert.Contains(signature.Parameters, p => p.Name == "Query");
    }

    [Fact]
    public void Get_CimInstance_Restart_Computer_and_Get_Counter_take_the_parameters_the_agent_passes()
    {
        Assert.Contains(CmdletSignatures.Of("Get-CimInstance").Parameters, p => p.Name == "Filter");
        Assert.Contains(CmdletSignatures.Of("Restart-Computer").Parameters, p => p.Name == "Force");
        Assert.True(CmdletSignatures.Of("Restart-Computer").SupportsShouldProcess);
        Assert.Contains(CmdletSignatures.Of("Get-Counter").Parameters, p => p.Name == "Counter");
        Assert.Contains(CmdletSignatures.Of("Get-Counter").Parameters, p => p.Name == "ComputerName");
    }

    [Fact]
    public void Every_exchange_cmdlet_the_executor_imports_has_a_documented_syntax_with_its_source()
    {
        // The agent's cmdlets, and the two RBAC reads Test-AgentPermissions.ps1 runs (the agent itself never imports them).
        Assert.Equal(
            Agent.PowerShell.PowerShellExchangeExecutor.ExchangeCmdlets.Concat(["Get-ManagementRole", "Get-ManagementRoleAssignment"]).Order(StringComparer.OrdinalIgnoreCase),
            CmdletSignatures.Exchange.Order(StringComparer.OrdinalIgnoreCase));
        Assert.All(CmdletSignatures.Exchange, c => Assert.StartsWith("Source: https://learn.microsoft.com/powershell/module/exchange/", CmdletSignatures.Of(c).Source, StringComparison.Ordinal));
    }

    [Fact]
    public void The_documented_syntax_is_read_as_written()
    {
        var copies = CmdletSignatures.Of("Get-MailboxDatabaseCopyStatus");
        Assert.Equal(["Identity", "Server"], copies.SetNames);
        Assert.True(Assert.Single(Assert.Single(copies.Parameters, p => p.Name == "Server").Sets).Mandatory);
        var identity = Assert.Single(Assert.Single(copies.Parameters, p => p.Name == "Identity").Sets);
        Assert.Equal((false, (int?)0), (identity.Mandatory, identity.Position));
        var health = Assert.Single(Assert.Single(CmdletSignatures.Of("Get-ServerHealth").Parameters, p => p.Name == "Identity").Sets);
        Assert.Equal((true, (int?)0), (health.Mandatory, health.Position));
        Assert.True(CmdletSignatures.Of("Set-MailboxServer").SupportsShouldProcess);
        Assert.Equal("System.Boolean", Assert.Single(CmdletSignatures.Of("Set-ImapSettings").Parameters, p => p.Name == "ProtocolLogEnabled").TypeName);
        Assert.DoesNotContain(CmdletSignatures.Of("Set-ImapSettings").Parameters, p => p.Name == "ProtocolLoggingEnabled"); // the runbook's name for it
    }
}
