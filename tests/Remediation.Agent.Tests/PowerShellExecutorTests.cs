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
        File.Copy(Path.Combine(AppContext.BaseDirectory, "StandIn", "ExchangeStandIn.psm1"), Path.Combine(directory, "ExchangeStandIn.psm1"));
        executor = new PowerShellExchangeExecutor(Options.Create(new PowerShellOptions { ModulePaths = [Path.Combine(directory, "ExchangeStandIn.psm1")] }), TimeProvider.System);
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
        Assert.Equal((61234.5, 7L), (counters.AverageCommandProcessingTimeMs, counters.RequestsQueued));
        var calls = Calls();
        Assert.Equal(@"IMAP.Protocol\ImapDeepTestProbe", calls.Single(c => c.Cmdlet == "Invoke-MonitoringProbe").Params["Identity"]);
        Assert.Equal("True", calls.Single(c => c.Cmdlet == "Set-MailboxServer").Params["DatabaseCopyActivationDisabledAndMoveNow"]);
        Assert.Equal("False", calls.Single(c => c.Cmdlet == "Set-MailboxServer").Params["Confirm"]);
    }

    [Fact]
    public async Task A_service_restart_stops_waits_and_starts_only_the_allow_listed_service()
    {
        var result = await executor.RestartServiceAsync("MBX1", "msexchangeimap4be", default);

        Assert.True(result.Running);
        var methods = Calls().Where(c => c.Cmdlet == "Invoke-CimMethod").ToList();
        Assert.Equal(["StopService", "StartService"], methods.Select(m => m.Params["MethodName"]));
        Assert.All(methods, m => Assert.Equal("Name='MSExchangeIMAP4BE'", m.Params["Filter"]));
    }

    [Fact]
    public async Task A_server_restart_is_started_not_waited_for_and_its_state_says_when_it_is_back()
    {
        var before = await executor.GetServerStateAsync("MBX1", default);
        var started = await executor.RestartServerAsync("MBX1", default);
        var after = await executor.GetServerStateAsync("MBX1", default);
        var down = await executor.GetServerStateAsync("DOWN1", default);

        var restart = Calls().Single(c => c.Cmdlet == "Restart-Computer");
        Assert.Equal(["ComputerName", "Force"], restart.Params.Keys.Order());
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
