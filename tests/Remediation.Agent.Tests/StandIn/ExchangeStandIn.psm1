# Stand-ins for the Exchange cmdlets the agent runs: same names and parameters as Exchange's, backed by a small
# in-memory organisation. Every call is appended to calls.jsonl beside the module with the parameter values exactly
# as they arrived, so tests can prove a value was passed as a parameter and never interpreted as script.
$script:Log = Join-Path $PSScriptRoot 'calls.jsonl'
$script:Mailbox = @{ 'MBX1' = @{ Disabled = $false; Copies = @(@{ Db = 'DB1'; Status = 'Mounted'; Pref = 1 }, @{ Db = 'DB2'; Status = 'Healthy'; Pref = 2 }) } }
$script:Imap = @{}

function Write-Call([string] $Cmdlet, $Bound) {
    $params = [ordered]@{}
    foreach ($k in $Bound.Keys) { $params[$k] = "$($Bound[$k])" }
    Add-Content -LiteralPath $script:Log -Value (@{ cmdlet = $Cmdlet; params = $params } | ConvertTo-Json -Compress)
}

function Get-ServerHealth {
    [CmdletBinding()] param([Parameter(Mandatory, Position = 0)] [string] $Identity)
    Write-Call 'Get-ServerHealth' $PSBoundParameters
    [pscustomobject]@{ Server = $Identity; Name = 'ImapDeepTestMonitor'; TargetResource = 'MSExchangeIMAP4BE'; HealthSetName = 'IMAP.Protocol'; AlertValue = 'Unhealthy'; LastTransitionTime = [datetime]::new(2026, 11, 27, 3, 0, 0, [DateTimeKind]::Utc) }
    [pscustomobject]@{ Server = $Identity; Name = 'OwaSelfTestMonitor'; TargetResource = 'MSExchangeOWAAppPool'; HealthSetName = 'OWA'; AlertValue = 'Healthy'; LastTransitionTime = [datetime]::new(2026, 11, 27, 3, 0, 0, [DateTimeKind]::Utc) }
}

function Invoke-MonitoringProbe {
    [CmdletBinding()] param([Parameter(Mandatory, Position = 0)] [string] $Identity, [Parameter(Mandatory)] [string] $Server)
    Write-Call 'Invoke-MonitoringProbe' $PSBoundParameters
    [pscustomobject]@{ Result = 'Failed'; Error = "Probe failed. _Mbx: $Server" }
}

function Set-MailboxServer {
    [CmdletBinding(SupportsShouldProcess)] param([Parameter(Mandatory, Position = 0)] [string] $Identity, [bool] $DatabaseCopyActivationDisabledAndMoveNow)
    Write-Call 'Set-MailboxServer' $PSBoundParameters
    if (-not $script:Mailbox.ContainsKey($Identity)) { Write-Error "The specified server '$Identity' is not a Mailbox server."; return }
    $script:Mailbox[$Identity].Disabled = $DatabaseCopyActivationDisabledAndMoveNow
    foreach ($c in $script:Mailbox[$Identity].Copies) { if ($DatabaseCopyActivationDisabledAndMoveNow -and $c.Status -eq 'Mounted') { $c.Status = 'Healthy' } }
}

function Get-MailboxDatabaseCopyStatus {
    [CmdletBinding()] param([Parameter(Mandatory)] [string] $Server)
    Write-Call 'Get-MailboxDatabaseCopyStatus' $PSBoundParameters
    foreach ($c in $script:Mailbox[$Server].Copies) {
        [pscustomobject]@{ Name = "$($c.Db)\$Server"; DatabaseName = $c.Db; MailboxServer = $Server; Status = $c.Status; ActivationPreference = $c.Pref }
    }
}

function Get-MailboxServer {
    [CmdletBinding()] param([Parameter(Mandatory, Position = 0)] [string] $Identity)
    Write-Call 'Get-MailboxServer' $PSBoundParameters
    [pscustomobject]@{ Name = $Identity; DatabaseCopyActivationDisabledAndMoveNow = [bool]$script:Mailbox[$Identity].Disabled }
}

function Get-ImapSettings {
    [CmdletBinding()] param([Parameter(Mandatory)] [string] $Server)
    Write-Call 'Get-ImapSettings' $PSBoundParameters
    if ($Server -like 'SLOW*') { Start-Sleep -Seconds 8 } # a server whose Exchange answers slowly
    [pscustomobject]@{ Server = $Server; ProtocolLogEnabled = [bool]$script:Imap[$Server]; LogFileLocation = 'C:\Program Files\Microsoft\Exchange Server\V15\Logging\Imap4' }
}

function Set-ImapSettings {
    [CmdletBinding(SupportsShouldProcess)] param([Parameter(Mandatory)] [string] $Server, [bool] $ProtocolLogEnabled)
    Write-Call 'Set-ImapSettings' $PSBoundParameters
    $script:Imap[$Server] = $ProtocolLogEnabled
}

$script:Booted = (Get-Date).AddDays(-3)

function Restart-Computer {
    [CmdletBinding()] param([Parameter(Mandatory)] [string[]] $ComputerName, [switch] $Wait, [string] $For, [switch] $Force)
    Write-Call 'Restart-Computer' $PSBoundParameters
    $script:Booted = Get-Date
}

function Invoke-CimMethod {
    [CmdletBinding()] param([string] $ComputerName, [string] $ClassName, [string] $Filter, [string] $MethodName)
    Write-Call 'Invoke-CimMethod' $PSBoundParameters
    [pscustomobject]@{ ReturnValue = 0 }
}

function Get-CimInstance {
    [CmdletBinding()] param([string] $ComputerName, [string] $ClassName, [string] $Filter)
    Write-Call 'Get-CimInstance' $PSBoundParameters
    if ($ClassName -eq 'Win32_OperatingSystem') {
        if ($ComputerName -eq 'DOWN1') { throw 'WinRM cannot complete the operation.' }
        return [pscustomobject]@{ LastBootUpTime = $script:Booted }
    }
    if ($Filter -like '* OR *') {
        return @([pscustomobject]@{ Name = 'MSExchangeIMAP4'; State = 'Running' }, [pscustomobject]@{ Name = 'MSExchangeIMAP4BE'; State = 'Stopped' })
    }
    $last = Get-Content -LiteralPath $script:Log | Select-Object -Last 2 | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object cmdlet -eq 'Invoke-CimMethod' | Select-Object -Last 1
    [pscustomobject]@{ Name = 'svc'; State = $(if ($last.params.MethodName -eq 'StopService') { 'Stopped' } else { 'Running' }) }
}

function Get-Counter {
    [CmdletBinding()] param([string[]] $ComputerName, [Parameter(Mandatory)] [string[]] $Counter)
    Write-Call 'Get-Counter' $PSBoundParameters
    [pscustomobject]@{ CounterSamples = @(
        [pscustomobject]@{ Path = "\\$ComputerName\msexchangeimap4\average command processing time"; CookedValue = 61234.5 },
        [pscustomobject]@{ Path = "\\$ComputerName\msexchangeimap4\requests queued"; CookedValue = 7 }) }
}

Export-ModuleMember -Function *
