# The behaviour of a small in-memory organisation behind the stand-in cmdlets. No cmdlet is declared here: the tests
# generate every one the agent runs from its real signature (CmdletSignatures.cs: the Windows cmdlets from the
# PowerShell SDK's runtimes/win assemblies, the Exchange cmdlets from Microsoft's documented syntax in Exchange/), and
# each hands the parameter set that bound and the bound parameters to Invoke-Behaviour. A parameter, or a combination,
# the real cmdlet does not take fails binding as it would on a real server.
# Every call is appended to calls.jsonl beside the module with the parameter values exactly as they arrived (and the
# parameter set), so tests can prove a value was passed as a parameter and never interpreted as script.
$script:Log = Join-Path $PSScriptRoot 'calls.jsonl'
$script:Mailbox = @{ 'MBX1' = @{ Disabled = $false; Copies = @(@{ Db = 'DB1'; Status = 'Mounted'; Pref = 1 }, @{ Db = 'DB2'; Status = 'Healthy'; Pref = 2 }) } }
$script:Imap = @{}
$script:Booted = (Get-Date).AddDays(-3)
$script:Services = @{ 'MSExchangeIMAP4' = 'Running'; 'MSExchangeIMAP4BE' = 'Running' }
$script:Transition = [datetime]::new(2026, 11, 27, 3, 0, 0, [DateTimeKind]::Utc)

function New-CimStandIn([string] $Class, [hashtable] $Properties) {
    $instance = [StandInCimInstance]::new()
    $instance.CimClassName = $Class
    foreach ($k in $Properties.Keys) { $instance | Add-Member -NotePropertyName $k -NotePropertyValue $Properties[$k] }
    $instance
}

function Read-Rbac { Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot 'rbac.json') | ConvertFrom-Json }

function Write-Call([string] $Cmdlet, [string] $Set, $Bound) {
    $log = [ordered]@{}
    foreach ($k in $Bound.Keys) { $log[$k] = $(if ($Bound[$k] -is [StandInCimInstance]) { "$($Bound[$k].CimClassName):$($Bound[$k].Name)" } else { "$($Bound[$k])" }) }
    $log['ParameterSet'] = $Set
    Add-Content -LiteralPath $script:Log -Value (@{ cmdlet = $Cmdlet; params = $log } | ConvertTo-Json -Compress)
}

function Invoke-Behaviour([string] $Cmdlet, [string] $Set, $Bound) {
    Write-Call $Cmdlet $Set $Bound
    switch ($Cmdlet) {
        'Get-ServerHealth' {
            $identity = "$($Bound['Identity'])"
            [pscustomobject]@{ Server = $identity; Name = 'ImapDeepTestMonitor'; TargetResource = 'MSExchangeIMAP4BE'; HealthSetName = 'IMAP.Protocol'; AlertValue = 'Unhealthy'; LastTransitionTime = $script:Transition }
            [pscustomobject]@{ Server = $identity; Name = 'OwaSelfTestMonitor'; TargetResource = 'MSExchangeOWAAppPool'; HealthSetName = 'OWA'; AlertValue = 'Healthy'; LastTransitionTime = $script:Transition }
        }
        'Invoke-MonitoringProbe' {
            # A probe result carries ResultType (Managed Availability's ProbeResult: 1 Timeout .. 3 Succeeded, 4 Failed ..
            # 6 Rejected), by name or, deserialized without its type, by number; a few servers answer the other shapes.
            $server = "$($Bound['Server'])"
            switch ($server) {
                'PASS1' { [pscustomobject]@{ ResultType = 'Succeeded'; Error = '' } }
                'NUM1' { [pscustomobject]@{ ResultType = 3; Error = '' } }
                'QUAR1' { [pscustomobject]@{ ResultType = 'Quarantined'; Error = 'The probe is quarantined.' } }
                'BARE1' { [pscustomobject]@{ Error = '' } }
                default { [pscustomobject]@{ ResultType = 'Failed'; Error = "Probe failed. _Mbx: $server" } }
            }
        }
        'Set-MailboxServer' {
            $identity = "$($Bound['Identity'])"
            if (-not $script:Mailbox.ContainsKey($identity)) { Write-Error "The specified server '$identity' is not a Mailbox server."; return }
            if ($Bound.ContainsKey('DatabaseCopyActivationDisabledAndMoveNow')) {
                $disabled = [bool]$Bound['DatabaseCopyActivationDisabledAndMoveNow']
                $script:Mailbox[$identity].Disabled = $disabled
                foreach ($c in $script:Mailbox[$identity].Copies) { if ($disabled -and $c.Status -eq 'Mounted') { $c.Status = 'Healthy' } }
            }
        }
        'Move-ActiveMailboxDatabase' {
            $server = "$($Bound['ActivatePreferredOnServer'])"
            foreach ($c in $script:Mailbox[$server].Copies) { if ($c.Pref -eq 1) { $c.Status = 'Mounted' } }
        }
        'Get-MailboxDatabaseCopyStatus' {
            $server = "$($Bound['Server'])"
            foreach ($c in $script:Mailbox[$server].Copies) {
                [pscustomobject]@{ Name = "$($c.Db)\$server"; DatabaseName = $c.Db; MailboxServer = $server; Status = $c.Status; ActivationPreference = $c.Pref
                    ActiveDatabaseCopy = $(if ($c.Status -eq 'Mounted') { $server.ToLowerInvariant() } else { 'mbx2' }); CopyQueueLength = 0; ReplayQueueLength = 3 }
            }
        }
        'Get-MailboxServer' {
            $identity = "$($Bound['Identity'])"
            [pscustomobject]@{ Name = $identity; DatabaseCopyActivationDisabledAndMoveNow = [bool]$script:Mailbox[$identity].Disabled; DatabaseCopyAutoActivationPolicy = 'Blocked' }
        }
        'Get-ImapSettings' {
            $server = "$($Bound['Server'])"
            if ($server -like 'SLOW*') { Start-Sleep -Seconds 8 } # a server whose Exchange answers slowly
            [pscustomobject]@{ Server = $server; ProtocolLogEnabled = [bool]$script:Imap[$server]; LogFileLocation = 'C:\Program Files\Microsoft\Exchange Server\V15\Logging\Imap4' }
        }
        'Set-ImapSettings' { $script:Imap["$($Bound['Server'])"] = [bool]$Bound['ProtocolLogEnabled'] }
        'Get-ServerComponentState' {
            [pscustomobject]@{ Identity = "$($Bound['Identity'])"; Component = 'ServerWideOffline'; State = 'Inactive' }
            [pscustomobject]@{ Identity = "$($Bound['Identity'])"; Component = 'ImapProxy'; State = 'Active' }
        }
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
        'Get-ManagementRole' {
            # The organisation's role entries (rbac.json beside the module, written by a test): the roles holding the
            # cmdlet with every parameter asked for.
            $rbac = Read-Rbac
            foreach ($role in $rbac.roles.PSObject.Properties) {
                $entry = $role.Value.PSObject.Properties[[string]$Bound['Cmdlet']]
                if ($entry -and -not @($Bound['CmdletParameters'] | Where-Object { @($entry.Value) -notcontains $_ })) { [pscustomobject]@{ Name = $role.Name } }
            }
        }
        'Get-ManagementRoleAssignment' {
            foreach ($a in (Read-Rbac).assignments) {
                if ($Bound.ContainsKey('RoleAssignee') -and $a.assignee -ne "$($Bound['RoleAssignee'])") { continue }
                if ($Bound.ContainsKey('Role') -and $a.role -ne "$($Bound['Role'])") { continue }
                if ($Bound.ContainsKey('Enabled') -and [bool]$a.enabled -ne [bool]$Bound['Enabled']) { continue }
                if ($Bound.ContainsKey('Delegating') -and [bool]$a.delegating -ne [bool]$Bound['Delegating']) { continue }
                if ($Bound.ContainsKey('WritableServer') -and $null -ne $a.servers -and @($a.servers) -notcontains "$($Bound['WritableServer'])") { continue }
                [pscustomobject]@{ Name = "$($a.role)-$($a.assignee)"; Role = $a.role; RoleAssigneeName = $a.assignee }
            }
        }
        default { throw "No behaviour for $Cmdlet." }
    }
}
