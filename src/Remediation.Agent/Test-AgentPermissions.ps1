<#
.SYNOPSIS
Read-only: does the agent's account hold, through Exchange RBAC, every cmdlet and parameter the agent runs?

.DESCRIPTION
Run in the Exchange Management Shell by an administrator who may read role assignments (for example View-Only
Organization Management). For every Exchange cmdlet the agent runs, with exactly the parameters it passes (the table
below; docs/agent.md lists the same, and a test holds the table to the calls the agent really makes), it asks Exchange
which management roles offer that cmdlet with those parameters (Get-ManagementRole -Cmdlet -CmdletParameters) and
whether the account holds one of them through an enabled, non-delegating assignment (Get-ManagementRoleAssignment
-RoleAssignee, which counts assignments through role groups too). For a cmdlet that changes a server, every server
given with -Server must be inside the assignment's write scope (-WritableServer).

It changes nothing. It writes one row per cmdlet (and server), and throws, naming what is missing, when the account
lacks any: fix the assignments before the agent is trusted with a run. The Windows rights (WinRM, Win32_Service,
Restart-Computer, performance counters on each managed server) are not RBAC: docs/agent.md lists them.

.EXAMPLE
.\Test-AgentPermissions.ps1 -Account 'CONTOSO\gmsa-imapagent$' -Server EXMBX01, EXMBX02, EXCAS01
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $Account,

    [string[]] $Server = @()
)

$ErrorActionPreference = 'Stop'

# Cmdlet = the parameters the agent passes (PowerShellExchangeExecutor.ExchangeParameters).
$Needed = [ordered]@{
    'Get-ServerHealth'              = @('Identity')
    'Invoke-MonitoringProbe'        = @('Identity', 'Server')
    'Set-MailboxServer'             = @('Identity', 'DatabaseCopyActivationDisabledAndMoveNow')
    'Get-MailboxServer'             = @('Identity')
    'Get-MailboxDatabaseCopyStatus' = @('Server')
    'Get-ImapSettings'              = @('Server')
    'Set-ImapSettings'              = @('Server', 'ProtocolLogEnabled')
    'Move-ActiveMailboxDatabase'    = @('ActivatePreferredOnServer')
    'Get-ServerComponentState'      = @('Identity')
}

# The cmdlets that change a server: their assignment's write scope must cover each managed server.
$Changes = @('Set-MailboxServer', 'Set-ImapSettings', 'Move-ActiveMailboxDatabase')

$missing = [System.Collections.Generic.List[string]]::new()
foreach ($cmdlet in $Needed.Keys) {
    $parameters = [string[]] $Needed[$cmdlet]
    $roles = @(Get-ManagementRole -Cmdlet $cmdlet -CmdletParameters $parameters | ForEach-Object { "$($_.Name)" })
    $targets = if ($Changes -contains $cmdlet -and $Server.Count -gt 0) { $Server } else { @('') }
    foreach ($target in $targets) {
        $held = @(foreach ($role in $roles) {
                $query = @{ RoleAssignee = $Account; Role = $role; Enabled = $true; Delegating = $false }
                if ($target) { $query['WritableServer'] = $target }
                if (@(Get-ManagementRoleAssignment @query).Count -gt 0) { $role }
            })
        [pscustomobject]@{
            Cmdlet      = $cmdlet
            Parameters  = $parameters -join ', '
            Server      = $target
            OfferedBy   = $roles -join ', '
            HeldThrough = $held -join ', '
        }
        if ($held.Count -eq 0) {
            $where = if ($target) { " on $target" } else { '' }
            $offered = if ($roles.Count -gt 0) { "one of: $($roles -join ', ')" } else { 'no role in this organisation offers it: create one' }
            $missing.Add("$cmdlet -$($parameters -join ' -')$where ($offered)")
        }
    }
}

if ($missing.Count -gt 0) {
    throw "$Account lacks the Exchange permissions the agent needs for: $($missing -join '; '). Assign the roles (or a role group holding them), then run this again."
}
