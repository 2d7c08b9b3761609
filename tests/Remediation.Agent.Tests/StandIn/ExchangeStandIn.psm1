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

# The Windows cmdlets (Restart-Computer, Invoke-CimMethod, Get-CimInstance, Get-Counter) are not written here: the
# tests generate them from the real cmdlets' parameter sets (CmdletSignatures.cs) and every one hands what bound to
# Invoke-Behaviour below, so a parameter the real cmdlet lacks fails binding exactly as it would on Windows.
$script:Services = @{ 'MSExchangeIMAP4' = 'Running'; 'MSExchangeIMAP4BE' = 'Running' }

function New-CimStandIn([string] $Class, [hashtable] $Properties) {
    $instance = [StandInCimInstance]::new()
    $instance.CimClassName = $Class
    foreach ($k in $Properties.Keys) { $instance | Add-Member -NotePropertyName $k -NotePropertyValue $Properties[$k] }
    $instance
}

function Invoke-Behaviour([string] $Cmdlet, [string] $Set, $Bound) {
    $log = [ordered]@{}
    foreach ($k in $Bound.Keys) { $log[$k] = $(if ($Bound[$k] -is [StandInCimInstance]) { "$($Bound[$k].CimClassName):$($Bound[$k].Name)" } else { "$($Bound[$k])" }) }
    $log['ParameterSet'] = $Set
    Add-Content -LiteralPath $script:Log -Value (@{ cmdlet = $Cmdlet; params = $log } | ConvertTo-Json -Compress)
    switch ($Cmdlet) {
        'Restart-Computer' { $script:Booted = Get-Date }
        'Get-CimInstance' {
            $computer = "$($Bound['ComputerName'])"
            if ($Bound['ClassName'] -eq 'Win32_OperatingSystem') {
                if ($computer -eq 'DOWN1') { throw 'WinRM cannot complete the operation.' }
                return New-CimStandIn 'Win32_OperatingSystem' @{ LastBootUpTime = $script:Booted }
            }
            foreach ($name in @($script:Services.Keys | Sort-Object)) {
                if ("$($Bound['Filter'])" -match "Name='$name'") {
                    $state = $(if ($computer -eq 'MBX1' -and $Bound['Filter'] -like '* OR *' -and $name -eq 'MSExchangeIMAP4BE') { 'Stopped' } else { $script:Services[$name] })
                    New-CimStandIn 'Win32_Service' @{ Name = $name; State = $state; PSComputerName = $computer }
                }
            }
        }
        'Invoke-CimMethod' {
            # StopService/StartService are instance methods: only an instance (piped, or from -Query) has them.
            if ($Set -notlike 'CimInstance*' -and $Set -notlike 'Query*') { throw "Invoke-CimMethod: $($Bound['MethodName']) is an instance method of Win32_Service; parameter set $Set calls a static method." }
            $name = $Bound['InputObject'].Name
            $computer = "$($Bound['InputObject'].PSComputerName)"
            $answer = 0
            switch ($Bound['MethodName']) {
                'StopService' { if ($script:Services[$name] -eq 'Stopped') { $answer = 6 } else { $script:Services[$name] = 'Stopped' } }
                'StartService' {
                    if ($computer -eq 'STUCK1') { $answer = 7 } # a service that does not respond to the start request in time
                    elseif ($script:Services[$name] -eq 'Running') { $answer = 10 }
                    else { $script:Services[$name] = 'Running' }
                }
            }
            [pscustomobject]@{ ReturnValue = [uint32]$answer }
        }
        'Get-Counter' {
            $computer = "$($Bound['ComputerName'])"
            [pscustomobject]@{ CounterSamples = @(
                [pscustomobject]@{ Path = "\\$computer\msexchangeimap4(_total)\average command processing time (milliseconds)"; CookedValue = 61234.5 },
                [pscustomobject]@{ Path = "\\$computer\msexchangeimap4(imap4-1)\average command processing time (milliseconds)"; CookedValue = 120.0 }) }
        }
    }
}

Export-ModuleMember -Function *
