using System.Text.Json;
using Microsoft.Extensions.Options;
using Remediation.Agent.Operations;
using Remediation.Agent.PowerShell;

namespace Remediation.Agent.Tests;

/// <summary>The real PowerShell SDK running stand-ins of the Exchange cmdlets (same names and parameters).</summary>
public sealed class PowerShellExecutorTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("standin-").FullName;
    readonly PowerShellExchangeExecutor executor;

    public PowerShellExecutorTests()
    {
        // The Windows cmdlets in it are generated from the real assemblies' parameter sets: an invented parameter fails.
        executor = new PowerShellExchangeExecutor(Options.Create(new PowerShellOptions { ModulePaths = [StandIn.CmdletSignatures.WriteModule(directory)] }), TimeProvider.System);
    }

    public void Dispose()
    {
        executor.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    List<(string Cmdlet, Dictionary<string, string> Params)> Calls() =>
        [.. File.ReadAllLines(Path.Combine(directory, "calls.jsonl")).Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            var root = json.RootElement;
            return (root.GetProperty("cmdlet").GetString()!, root.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        })];

    [Fact]
    public async Task A_hostile_server_name_arrives_as_a_parameter_value_and_is_never_interpreted()
    {
        const string hostile = "MBX1'; Set-ImapSettings -Server X -ProtocolLogEnabled $true; $(Remove-Item /) `n'";

        var settings = await executor.GetImapSettingsAsync(hostile, default);

        Assert.Equal(hostile, settings.Server);
        var call = Assert.Single(Calls());
        Assert.Equal("Get-ImapSettings", call.Cmdlet);
        Assert.Equal(hostile, call.Params["Server"]);
    }

    [Fact]
    public async Task Cmdlets_get_typed_parameters_and_their_output_is_read_back()
    {
        await executor.SetImapSettingsAsync("CAS1", true, default);
        var settings = await executor.GetImapSettingsAsync("CAS1", default);
        var health = await executor.GetServerHealthAsync("MBX1", default);
        var probe = await executor.InvokeMonitoringProbeAsync("MBX1", "IMAP.Protocol", "ImapDeepTestProbe", default);
        await executor.SetDatabaseCopyActivationAsync("MBX1", true, default);
        var copies = await executor.GetDatabaseCopyStatusAsync("MBX1", default);
        var counters = await executor.GetImapCountersAsync("CAS1", default);

        Assert.True(settings.ProtocolLogEnabled);
        Assert.Equal("ImapDeepTestMonitor", Assert.Single(health.Rows).Name);
        Assert.Equal(("Failed", "Probe failed. _Mbx: MBX1"), (probe.Result, probe.Error));
        Assert.True(copies.HasNoActiveCopy);
        Assert.True(copies.ActivationDisabled);
        // The worst instance of the counter Managed Availability watches; no counter exists for RequestsQueued.
        Assert.Equal((61234.5, (long?)null), (counters.AverageCommandProcessingTimeMs, counters.RequestsQueued));
        Assert.Equal(@"\MSExchangeImap4(*)\Average Command Processing Time (milliseconds)", Calls().Single(c => c.Cmdlet == "Get-Counter").Params["Counter"]);
        var calls = Calls();
        Assert.Equal(@"IMAP.Protocol\ImapDeepTestProbe", calls.Single(c => c.Cmdlet == "Invoke-MonitoringProbe").Params["Identity"]);
        Assert.Equal("True", calls.Single(c => c.Cmdlet == "Set-MailboxServer").Params["DatabaseCopyActivationDisabledAndMoveNow"]);
        Assert.Equal("False", calls.Single(c => c.Cmdlet == "Set-MailboxServer").Params["Confirm"]);
    }

    [Theory]
    [InlineData("MBX1", "Failed")] // ResultType by name
    [InlineData("PASS1", "Succeeded")]
    [InlineData("NUM1", "Succeeded")] // ResultType 3, deserialized without its enum type
    [InlineData("QUAR1", "Quarantined")] // the probe did not really run
    [InlineData("BARE1", "Unknown")] // no ResultType at all: never read as a pass or a failure
    public async Task Exchanges_probe_verdict_is_read_from_the_probe_results_ResultType(string server, string expected)
    {
        var probe = await executor.InvokeMonitoringProbeAsync(server, "IMAP.Protocol", "ImapDeepTestProbe", default);

        Assert.Equal(expected, probe.Result);
    }

    [Fact]
    public async Task Exchanges_own_state_is_read_component_states_activation_policy_and_where_each_database_is_mounted()
    {
        var components = await executor.GetServerComponentStatesAsync("MBX1", default);
        var copies = await executor.GetDatabaseCopyStatusAsync("MBX1", default);

        Assert.True(components.InMaintenance);
        Assert.Equal(("ServerWideOffline", "Inactive"), (components.Components[0].Component, components.Components[0].State));
        Assert.Equal("Blocked", copies.AutoActivationPolicy);
        var db1 = copies.Copies.Single(c => c.Database == "DB1");
        Assert.Equal(("mbx1", 0L, 3L), (db1.ActiveOn, db1.CopyQueueLength, db1.ReplayQueueLength));
        Assert.Equal("MBX1", Calls().Single(c => c.Cmdlet == "Get-ServerComponentState").Params["Identity"]);
    }

    [Fact]
    public async Task A_service_restart_calls_the_instance_methods_on_the_allow_listed_service_and_reads_it_back()
    {
        var result = await executor.RestartServiceAsync("MBX1", "msexchangeimap4be", default);

        Assert.True(result.Running, result.Detail);
        Assert.Contains("read back Running", result.Detail, StringComparison.Ordinal);
        var calls = Calls();
        var methods = calls.Where(c => c.Cmdlet == "Invoke-CimMethod").ToList();
        Assert.Equal(["StopService", "StartService"], methods.Select(m => m.Params["MethodName"]));
        // Through the instance (Get-CimInstance ... | Invoke-CimMethod), the only way to call an instance method.
        Assert.All(methods, m => Assert.Equal(("CimInstanceComputerSet", "Win32_Service:MSExchangeIMAP4BE"), (m.Params["ParameterSet"], m.Params["InputObject"])));
        Assert.All(calls.Where(c => c.Cmdlet == "Get-CimInstance"), c => Assert.Equal("Name='MSExchangeIMAP4BE'", c.Params["Filter"]));
    }

    [Fact]
    public async Task A_service_that_does_not_start_again_is_answered_as_not_running_with_its_return_value()
    {
        var result = await executor.RestartServiceAsync("STUCK1", "MSExchangeIMAP4", default);

        Assert.False(result.Running);
        Assert.Contains("StartService answered 7 (the service did not respond in time)", result.Detail, StringComparison.Ordinal);
        Assert.Contains("NOT running", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_generated_stand_in_refuses_the_call_the_executor_used_to_make()
    {
        // Invoke-CimMethod -ClassName Win32_Service -Filter ... -MethodName StopService: what every restart sent before.
        var module = StandIn.CmdletSignatures.WriteModule(directory);
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.AddCommand("Import-Module").AddParameter("Name", module).Invoke();
        shell.Commands.Clear();
        shell.AddCommand("Invoke-CimMethod").AddParameter("ComputerName", "MBX1").AddParameter("ClassName", "Win32_Service")
            .AddParameter("Filter", "Name='MSExchangeIMAP4'").AddParameter("MethodName", "StopService");

        var error = Assert.Throws<System.Management.Automation.ParameterBindingException>(() => shell.Invoke());
        Assert.Contains("Filter", error.Message, StringComparison.Ordinal);

        // And the runbook's own misspelling of Set-ImapSettings' parameter (ProtocolLogEnabled is the real one).
        shell.Commands.Clear();
        shell.AddCommand("Set-ImapSettings").AddParameter("Server", "CAS1").AddParameter("ProtocolLoggingEnabled", true);
        Assert.Throws<System.Management.Automation.ParameterBindingException>(() => shell.Invoke());
    }

    [Fact]
    public async Task A_server_restart_is_started_not_waited_for_and_its_state_says_when_it_is_back()
    {
        var before = await executor.GetServerStateAsync("MBX1", default);
        var started = await executor.RestartServerAsync("MBX1", default);
        var after = await executor.GetServerStateAsync("MBX1", default);
        var down = await executor.GetServerStateAsync("DOWN1", default);

        var restart = Calls().Single(c => c.Cmdlet == "Restart-Computer");
        Assert.Equal(["ComputerName", "Force"], restart.Params.Keys.Where(k => k != "ParameterSet").Order());
        Assert.Equal(before.LastBoot, started.BootedBefore);
        Assert.True(after.LastBoot > started.BootedBefore, $"{before.LastBoot:o} {started.BootedBefore:o} {after.LastBoot:o} {after.Detail}");
        Assert.Equal("Name='MSExchangeIMAP4' OR Name='MSExchangeIMAP4BE'", Calls().Last(c => c.Cmdlet == "Get-CimInstance" && c.Params["ClassName"] == "Win32_Service").Params["Filter"]);
        Assert.True(after.IsBackFrom(started.BootedBefore, ["MSExchangeIMAP4"]));
        Assert.False(after.IsBackFrom(started.BootedBefore, ["MSExchangeIMAP4BE"]));
        Assert.False(before.IsBackFrom(started.BootedBefore, ["MSExchangeIMAP4"]));
        Assert.False(down.Reachable);
        Assert.Contains("WinRM", down.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_servers_slow_command_does_not_hold_up_another_servers_reads()
    {
        await executor.GetImapSettingsAsync("MBX2", default); // its runspace open

        var slow = executor.GetImapSettingsAsync("SLOW1", default);
        await Task.Delay(200);
        var quick = await executor.GetImapSettingsAsync("MBX2", default);

        Assert.False(slow.IsCompleted); // MBX2 answered while SLOW1's command was still running
        Assert.Equal("SLOW1", (await slow).Server);
        Assert.Equal("MBX2", quick.Server);
    }

    [Fact]
    public async Task A_cmdlet_error_becomes_a_typed_failure_with_its_message()
    {
        var error = await Assert.ThrowsAsync<ExchangeOperationException>(() => executor.SetDatabaseCopyActivationAsync("CAS1", true, default));

        Assert.Equal("Set-MailboxServer", error.Cmdlet);
        Assert.Contains("The specified server 'CAS1' is not a Mailbox server.", error.Message, StringComparison.Ordinal);
    }
}
