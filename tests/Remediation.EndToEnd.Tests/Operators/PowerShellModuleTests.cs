using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Remediation.Lab;

namespace Remediation.EndToEnd.Tests.Operators;

/// <summary>
/// The ImapRemediation PowerShell module (src/Remediation.PowerShell) run by the real PowerShell SDK against the lab
/// host, as an Exchange administrator uses it: objects piped into Where-Object, an approval from the pipeline, and
/// -WhatIf that changes nothing (asserted on the run and the calendar, not on what the module printed).
/// </summary>
public sealed class PowerShellModuleTests : IAsyncLifetime
{
    static readonly string Module = Path.Combine(
        typeof(PowerShellModuleTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "src", "Remediation.PowerShell", "ImapRemediation.psd1");

    readonly string labDirectory = LabRoot.NewDirectory("pwsh");
    LabHost host = null!;
    Runspace runspace = null!;

    public async Task InitializeAsync()
    {
        host = await LabHost.StartAsync([], ApprovalLab.Settings(labDirectory));
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Module);
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
    }

    public async Task DisposeAsync()
    {
        runspace.Dispose();
        await host.DisposeAsync();
        Directory.Delete(labDirectory, recursive: true);
    }

    /// <summary>Runs <paramref name="script"/> in the module's runspace; its output, and its errors as their messages.</summary>
    (Collection<PSObject> Output, List<string> Errors) Run(string script)
    {
        using var shell = PowerShell.Create(runspace);
        shell.AddScript(script);
        try
        {
            var output = shell.Invoke();
            return (output, [.. shell.Streams.Error.Select(e => e.ToString())]);
        }
        catch (RuntimeException stopped)
        {
            // A terminating error (Connect-ImapRemediation refusing): its message, as a user sees it.
            return ([], [.. shell.Streams.Error.Select(e => e.ToString()), stopped.Message]);
        }
    }

    string Ps(string script)
    {
        var (output, errors) = Run(script);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return string.Join("\n", output.Select(o => o?.ToString()));
    }

    async Task<string> UntilAsync(string script, Func<string, bool> done, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < within)
        {
            last = Ps(script);
            if (done(last))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"'{script}' still answered '{last}' after {within}.");
    }

    [Fact]
    public async Task An_administrator_reads_health_approves_from_the_pipeline_and_whatif_changes_nothing()
    {
        Assert.Contains("Lab operator", Ps($"(Connect-ImapRemediation -Uri '{host.Address}' -LabIdentity).SignedInAs"), StringComparison.Ordinal);

        // Get-ServerHealth's shape, piped as Exchange admins do.
        await UntilAsync("Get-ImapRemediationHealth -Server MBX1 | Where-Object Name -eq ImapDeepTestMonitor | ForEach-Object AlertValue", a => a == "Healthy", TimeSpan.FromSeconds(20));
        Assert.Equal("ImapRemediation.ServerHealth", Ps("@(Get-ImapRemediationHealth)[0].PSObject.TypeNames[0]"));

        await host.Lab.MailboxServers["MBX1"].StopAsync(hard: true);
        var runId = await UntilAsync("Get-ImapRemediationRun -Server MBX1 | Where-Object AwaitingApproval | ForEach-Object RunId", id => id.Length > 0, TimeSpan.FromSeconds(30));

        // -WhatIf: the run still waits, nothing was decided.
        Ps("Get-ImapRemediationRun -Server MBX1 | Where-Object AwaitingApproval | Approve-ImapRemediationRun -Comment 'not yet' -WhatIf");
        Assert.Equal("RestartService", Ps($"(Get-ImapRemediationRun -RunId {runId}).AwaitingApproval"));

        // From the pipeline, the action and step read from the run itself.
        Ps("Get-ImapRemediationRun -Server MBX1 | Where-Object AwaitingApproval | Approve-ImapRemediationRun -Comment 'CAB 4711' -Confirm:$false | Out-Null");
        await UntilAsync($"(Get-ImapRemediationRun -RunId {runId}).Outcome", o => o == "Recovered", TimeSpan.FromSeconds(30));
        Assert.Contains($"Approved by {Recovery.PlaybookHarness.LabApprover}", Ps($"(Get-ImapRemediationRun -RunId {runId}).Steps.Answer -join ' | '"), StringComparison.Ordinal);
        Assert.Contains("CAB 4711", Ps($"(Get-ImapRemediationRun -RunId {runId}).Steps.Answer -join ' | '"), StringComparison.Ordinal);
        Assert.True(host.Lab.MailboxServers["MBX1"].IsRunning);

        // Filters answered by the API over every run it holds.
        Assert.Contains(runId, Ps($"Get-ImapRemediationRun -Outcome Recovered -Monitor (Get-ImapRemediationRun -RunId {runId}).Monitor -Since (Get-Date).AddHours(-1) | ForEach-Object RunId"), StringComparison.Ordinal);
        Assert.DoesNotContain(runId, Ps("Get-ImapRemediationRun -Outcome Escalated | ForEach-Object RunId"), StringComparison.Ordinal);
        Assert.Empty(Ps("Get-ImapRemediationRun -Server MBX1 -Since (Get-Date).AddMinutes(5) | ForEach-Object RunId"));

        // A run that no longer waits, and one that does not exist: the API's own words, as non-terminating errors.
        var (_, late) = Run($"Approve-ImapRemediationRun -RunId {runId} -Confirm:$false; 'carried on'");
        Assert.Contains($"Run {runId} on MBX1 is not waiting for an approval (Recovered", Assert.Single(late), StringComparison.Ordinal);
        var (_, missing) = Run("Get-ImapRemediationRun -RunId nope");
        Assert.Contains("GET /api/runs/nope answered 404: No run 'nope'", Assert.Single(missing), StringComparison.Ordinal);
    }

    [Fact]
    public void Maintenance_windows_are_scheduled_and_removed_and_whatif_schedules_nothing()
    {
        Ps($"Connect-ImapRemediation -Uri '{host.Address}' -LabIdentity | Out-Null");
        var before = int.Parse(Ps("@(Get-ImapRemediationMaintenance).Count"), System.Globalization.CultureInfo.InvariantCulture);

        Ps("New-ImapRemediationMaintenance -Server MBX2 -Start (Get-Date).AddHours(1) -Duration 02:00:00 -Reason 'CU15' -WhatIf");
        Assert.Equal(before.ToString(System.Globalization.CultureInfo.InvariantCulture), Ps("@(Get-ImapRemediationMaintenance).Count"));

        var id = Ps("(New-ImapRemediationMaintenance -Server MBX2 -Start (Get-Date).AddHours(1) -Duration 02:00:00 -Reason 'CU15' -Confirm:$false).Id");
        Assert.Equal("MBX2 CU15", Ps($"Get-ImapRemediationMaintenance | Where-Object Id -eq '{id}' | ForEach-Object {{ \"$($_.Server) $($_.Reason)\" }}"));

        Ps($"Get-ImapRemediationMaintenance | Where-Object Id -eq '{id}' | Remove-ImapRemediationMaintenance -Confirm:$false");
        Assert.Equal(before.ToString(System.Globalization.CultureInfo.InvariantCulture), Ps("@(Get-ImapRemediationMaintenance).Count"));

        // A window the calendar refuses says why.
        var (_, refused) = Run("New-ImapRemediationMaintenance -Server MBX2 -Start (Get-Date) -Duration 00:00:00 -Reason 'zero' -Confirm:$false");
        Assert.Contains("POST /api/maintenance answered 400: Maintenance window:", Assert.Single(refused), StringComparison.Ordinal);
    }

    [Fact]
    public void The_plan_for_a_server_is_an_object_and_a_token_never_goes_over_plain_http_to_another_machine()
    {
        Ps($"Connect-ImapRemediation -Uri '{host.Address}' -LabIdentity | Out-Null");

        Assert.Equal("MBX1 ImapDeepTestMonitor", Ps("Get-ImapRemediationPlan -Server MBX1 -Monitor ImapDeepTestMonitor | ForEach-Object { \"$($_.Server) $($_.Monitor)\" }"));
        Assert.NotEqual("0", Ps("@((Get-ImapRemediationPlan -Server MBX1 -Monitor ImapDeepTestMonitor).Steps).Count"));
        var (_, healthy) = Run("Get-ImapRemediationPlan -Server MBX1");
        Assert.Contains("MBX1 is healthy: name the monitor to preview with -Monitor", Assert.Single(healthy), StringComparison.Ordinal);

        var (_, refused) = Run("Connect-ImapRemediation -Uri http://ops.contoso.com -Token (ConvertTo-SecureString 'x' -AsPlainText -Force)");
        Assert.Contains("A token is sent over HTTPS only", Assert.Single(refused), StringComparison.Ordinal);
    }
}
