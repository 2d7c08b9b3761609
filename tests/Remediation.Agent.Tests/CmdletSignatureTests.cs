using Remediation.Agent.Tests.StandIn;

namespace Remediation.Agent.Tests;

/// <summary>The signatures read from the real Windows assemblies say what Microsoft's documentation says.</summary>
public sealed class CmdletSignatureTests
{
    [Fact]
    public void Invoke_CimMethod_has_no_Filter_and_calls_an_instance_method_through_InputObject_or_Query()
    {
        var signature = CmdletSignatures.Of("Invoke-CimMethod");
        File.WriteAllText("/tmp/sig.ps1", string.Join("\n", CmdletSignatures.Windows.Select(w => CmdletSignatures.StandInFunction(CmdletSignatures.Of(w.Cmdlet)))));

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
}
