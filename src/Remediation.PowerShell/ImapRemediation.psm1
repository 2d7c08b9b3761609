# The IMAP remediation console for Exchange administrators who live in PowerShell: the same API the console calls
# (GET /api/health is Get-ServerHealth's shape, /api/runs the runs), as objects to pipe into Where-Object and
# Format-Table, every change with -WhatIf and -Confirm. Sign in with a bearer token for the API's audience (Entra ID:
# az account get-access-token --resource api://<client id>), or, against a lab host on 127.0.0.1, its loopback lab
# identity. Errors are the API's own problem details, never a stack trace.
Set-StrictMode -Version 3.0

$script:Connection = $null

function Invoke-ImapRemediationApi {
    param([string] $Method, [string] $Path, $Body = $null)
    if ($null -eq $script:Connection) {
        throw 'Not connected: run Connect-ImapRemediation -Uri <console address> first.'
    }

    $c = $script:Connection
    $call = @{ Method = $Method; Uri = [uri]::new($c.Base, $Path); Headers = $c.Headers; ErrorAction = 'Stop' }
    # The lab identity's session (its anti-forgery cookie) starts with the first call and goes with every later one.
    if ($null -ne $c.Session) { $call.WebSession = $c.Session } elseif ($c.Lab) { $call.SessionVariable = 'started' }
    if ($null -ne $c.Token) {
        $call.Authentication = 'Bearer'
        $call.Token = $c.Token
        # A token goes over HTTPS only, or to a console on this machine.
        $call.AllowUnencryptedAuthentication = $c.Base.IsLoopback
    }
    if ($null -ne $Body) {
        $call.Body = ConvertTo-Json -InputObject $Body -Depth 6 -Compress
        $call.ContentType = 'application/json'
    }

    try {
        $answer = Invoke-RestMethod @call
        if ($c.Lab -and $null -eq $c.Session) { $c.Session = $started }
        $answer # a JSON array comes out as its items, one object each (Invoke-RestMethod writes it whole)
    }
    catch {
        $status = if ($_.Exception.PSObject.Properties['Response'] -and $_.Exception.Response) { [int] $_.Exception.Response.StatusCode } else { 0 }
        $said = $null
        if ($_.ErrorDetails -and $_.ErrorDetails.Message) {
            try {
                $problem = $_.ErrorDetails.Message | ConvertFrom-Json -ErrorAction Stop
                $said = @($problem.PSObject.Properties['detail'], $problem.PSObject.Properties['title']) | Where-Object { $_ -and $_.Value } | Select-Object -First 1 | ForEach-Object Value
                if ($problem.PSObject.Properties['errors'] -and $problem.errors) {
                    $said = (($problem.errors.PSObject.Properties | ForEach-Object { $_.Value }) -join ' ')
                }
            }
            catch { $said = $_.ErrorDetails.Message }
        }
        $what = if ($status -gt 0) { "answered $status" } else { "failed: $($_.Exception.Message)" }
        throw "$Method /$Path $what$(if ($said) { ": $said" })"
    }
}

function Add-TypeName($InputObject, [string] $TypeName) {
    foreach ($item in @($InputObject)) {
        if ($null -ne $item) { $item.PSObject.TypeNames.Insert(0, $TypeName); $item }
    }
}

function Get-Value($InputObject, [string] $Name) {
    $property = $InputObject.PSObject.Properties[$Name]
    if ($property) { $property.Value }
}

# A window (and, from the list, when it is open): one flat object, as Format-Table wants it.
function ConvertTo-Maintenance($Window, $View = $null) {
    [pscustomobject]@{
        PSTypeName = 'ImapRemediation.Maintenance'
        Id         = Get-Value $Window 'id'
        Server     = Get-Value $Window 'server'
        Dag        = Get-Value $Window 'dag'
        Site       = Get-Value $Window 'site'
        Start      = Get-Value $Window 'start'
        Days       = Get-Value $Window 'days'
        At         = Get-Value $Window 'at'
        Duration   = Get-Value $Window 'duration'
        Reason     = Get-Value $Window 'reason'
        By         = Get-Value $Window 'by'
        OpenUntil  = $(if ($View) { Get-Value $View 'openUntil' })
        NextStart  = $(if ($View) { Get-Value $View 'nextStart' })
        TimeZone   = $(if ($View) { Get-Value $View 'timeZone' })
    }
}

function Get-RunPath([string] $RunId, [string] $Then = '') {
    "api/runs/$([uri]::EscapeDataString($RunId))$Then"
}

<#
.SYNOPSIS
Connects to an IMAP remediation console (the standalone host, or the Functions app's /api).
.EXAMPLE
Connect-ImapRemediation -Uri https://ops.contoso.com -Token (az account get-access-token --resource api://<client id> --query accessToken -o tsv | ConvertTo-SecureString -AsPlainText -Force)
.EXAMPLE
Connect-ImapRemediation -Uri http://127.0.0.1:5080 -LabIdentity
#>
function Connect-ImapRemediation {
    [CmdletBinding(DefaultParameterSetName = 'Token')]
    param(
        [Parameter(Mandatory, Position = 0)] [uri] $Uri,
        [Parameter(Mandatory, ParameterSetName = 'Token')] [securestring] $Token,
        [Parameter(Mandatory, ParameterSetName = 'Lab')] [switch] $LabIdentity
    )

    $base = [uri]($Uri.AbsoluteUri.TrimEnd('/') + '/')
    if ($PSCmdlet.ParameterSetName -eq 'Token' -and $base.Scheme -ne 'https' -and -not $base.IsLoopback) {
        throw "A token is sent over HTTPS only (or to a console on this machine): $base is plain HTTP."
    }

    # The lab identity is ambient (any loopback caller): a change carries the anti-forgery token of a session.
    $script:Connection = @{ Base = $base; Headers = @{}; Session = $null; Lab = [bool] $LabIdentity; Token = $(if ($PSCmdlet.ParameterSetName -eq 'Token') { $Token } else { $null }) }

    try {
        $me = Invoke-ImapRemediationApi GET 'api/antiforgery'
    }
    catch {
        $script:Connection = $null
        throw "Cannot connect to $base`: $_"
    }

    if ($LabIdentity) { $script:Connection.Headers[$me.headerName] = $me.token }
    [pscustomobject]@{ PSTypeName = 'ImapRemediation.Connection'; Uri = $base; SignedInAs = $me.signedInAs.name; Roles = @($me.signedInAs.roles) }
}

<#
.SYNOPSIS
Every monitor's state, as Get-ServerHealth answers (Server, Name, TargetResource, HealthSetName, AlertValue, LastTransitionTime).
.EXAMPLE
Get-ImapRemediationHealth | Where-Object AlertValue -ne Healthy | Format-Table Server, Name, AlertValue, LastTransitionTime
#>
function Get-ImapRemediationHealth {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)] [Alias('Identity')] [string] $Server,
        [string] $HealthSet
    )

    process {
        $path = if ($Server) { "api/health/$([uri]::EscapeDataString($Server))" } else { 'api/health' }
        if ($HealthSet) { $path += "?healthSet=$([uri]::EscapeDataString($HealthSet))" }
        try { Add-TypeName (Invoke-ImapRemediationApi GET $path) 'ImapRemediation.ServerHealth' }
        catch { Write-Error -Message "$_" -Category ObjectNotFound -TargetObject $Server }
    }
}

<#
.SYNOPSIS
Runs, running first, then newest first: one by ID, or those the filters match over every run the product holds.
.EXAMPLE
Get-ImapRemediationRun -Server EXMBX01 | Where-Object AwaitingApproval | Format-List RunId, AwaitingApproval, WaitingUntil
.EXAMPLE
Get-ImapRemediationRun -Outcome Escalated -Since (Get-Date).AddDays(-7) | Format-Table Server, Monitor, StartedAt, Reason
#>
function Get-ImapRemediationRun {
    [CmdletBinding(DefaultParameterSetName = 'List')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Id', Position = 0, ValueFromPipelineByPropertyName)] [string] $RunId,
        [Parameter(ParameterSetName = 'List')] [string] $Server,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Running', 'Recovered', 'Transient', 'Escalated', 'Failed', 'Rejected', 'Throttled', 'Cancelled')] [string] $Outcome,
        [Parameter(ParameterSetName = 'List')] [string] $Monitor,
        [Parameter(ParameterSetName = 'List')] [datetime] $Since,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(1, 1000)] [int] $Top = 100
    )

    process {
        try {
            if ($PSCmdlet.ParameterSetName -eq 'Id') {
                Add-TypeName (Invoke-ImapRemediationApi GET (Get-RunPath $RunId)) 'ImapRemediation.Run'
            }
            else {
                $query = "api/runs?top=$Top"
                foreach ($filter in @(@('server', $Server), @('outcome', $Outcome), @('monitor', $Monitor))) {
                    if ($filter[1]) { $query += "&$($filter[0])=$([uri]::EscapeDataString($filter[1]))" }
                }
                if ($PSBoundParameters.ContainsKey('Since')) { $query += "&since=$([uri]::EscapeDataString($Since.ToUniversalTime().ToString('o')))" }
                Add-TypeName (Invoke-ImapRemediationApi GET $query) 'ImapRemediation.Run'
            }
        }
        catch { Write-Error -Message "$_" -Category ObjectNotFound -TargetObject $RunId }
    }
}

function Send-Decision([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $RunId, [string] $Verb, [string] $Comment) {
    $run = Invoke-ImapRemediationApi GET (Get-RunPath $RunId)
    if (-not $run.awaitingApproval) {
        throw "Run $RunId on $($run.server) is not waiting for an approval ($($run.outcome)$(if ($run.currentStep) { ", at: $($run.currentStep)" }))."
    }

    $what = "$(if ($Verb -eq 'approve') { 'Approve' } else { 'Reject' }) $($run.awaitingApproval) (step $($run.approvalStep))"
    if ($Cmdlet.ShouldProcess("run $RunId on $($run.server)", $what)) {
        $null = Invoke-ImapRemediationApi POST (Get-RunPath $RunId "/$Verb") @{ action = $run.awaitingApproval; step = $run.approvalStep; comment = $Comment }
        Add-TypeName (Invoke-ImapRemediationApi GET (Get-RunPath $RunId)) 'ImapRemediation.Run'
    }
}

<#
.SYNOPSIS
Approves the step a run waits for (the action and step are read from the run, so an approval never lands on another step).
.EXAMPLE
Get-ImapRemediationRun -Server EXMBX01 | Where-Object AwaitingApproval | Approve-ImapRemediationRun -Comment 'CAB 4711'
#>
function Approve-ImapRemediationRun {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string] $RunId,
        [string] $Comment
    )

    process {
        try { Send-Decision $PSCmdlet $RunId 'approve' $Comment }
        catch { Write-Error -Message "$_" -Category InvalidOperation -TargetObject $RunId }
    }
}

<#
.SYNOPSIS
Rejects the step a run waits for: the run stops there and escalates.
#>
function Deny-ImapRemediationRun {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string] $RunId,
        [string] $Comment
    )

    process {
        try { Send-Decision $PSCmdlet $RunId 'reject' $Comment }
        catch { Write-Error -Message "$_" -Category InvalidOperation -TargetObject $RunId }
    }
}

<#
.SYNOPSIS
Cancels a going run: it stops, leaves nothing half-done (protocol logging off, fail-back decided) and escalates.
#>
function Stop-ImapRemediationRun {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param([Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string] $RunId)

    process {
        try {
            $run = Invoke-ImapRemediationApi GET (Get-RunPath $RunId)
            if ($PSCmdlet.ShouldProcess("run $RunId on $($run.server)", 'Cancel')) {
                $null = Invoke-ImapRemediationApi POST (Get-RunPath $RunId '/cancel')
                Add-TypeName (Invoke-ImapRemediationApi GET (Get-RunPath $RunId)) 'ImapRemediation.Run'
            }
        }
        catch { Write-Error -Message "$_" -Category InvalidOperation -TargetObject $RunId }
    }
}

<#
.SYNOPSIS
What a run for a server would do now: every step, and the safety gate's answer to each disruptive one. Changes nothing.
Without -Monitor, the server's monitor that is not healthy (a healthy server: name the monitor to preview).
.EXAMPLE
Get-ImapRemediationPlan -Server EXMBX01 -Monitor ImapDeepTestMonitor | ForEach-Object Steps | Format-Table Name, Outcome, Answer
#>
function Get-ImapRemediationPlan {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [Alias('Identity')] [string] $Server,
        [string] $Monitor
    )

    process {
        try {
            if (-not $Monitor) {
                $failing = @(Invoke-ImapRemediationApi GET "api/health/$([uri]::EscapeDataString($Server))" | Where-Object AlertValue -ne 'Healthy')
                if ($failing.Count -eq 0) { throw "$Server is healthy: name the monitor to preview with -Monitor (e.g. ImapDeepTestMonitor, ImapCTPMonitor)." }
                $Monitor = $failing[0].Name
            }

            $path = "api/plan/$([uri]::EscapeDataString($Server))?monitor=$([uri]::EscapeDataString($Monitor))"
            Add-TypeName (Invoke-ImapRemediationApi GET $path) 'ImapRemediation.Plan'
        }
        catch { Write-Error -Message "$_" -Category InvalidOperation -TargetObject $Server }
    }
}

<#
.SYNOPSIS
Maintenance windows (scheduled and from settings), with whether each is open now.
#>
function Get-ImapRemediationMaintenance {
    [CmdletBinding()]
    param()
    Invoke-ImapRemediationApi GET 'api/maintenance' | ForEach-Object { ConvertTo-Maintenance $_.window $_ }
}

<#
.SYNOPSIS
Schedules a maintenance window for a server, a DAG or a site: no run acts on what it covers while it is open.
.EXAMPLE
New-ImapRemediationMaintenance -Server EXMBX01 -Start (Get-Date).AddHours(1) -Duration 02:00:00 -Reason 'CU15'
#>
function New-ImapRemediationMaintenance {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Server')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Server')] [string] $Server,
        [Parameter(Mandatory, ParameterSetName = 'Dag')] [string] $Dag,
        [Parameter(Mandatory, ParameterSetName = 'Site')] [string] $Site,
        [Parameter(Mandatory)] [datetime] $Start,
        [Parameter(Mandatory)] [timespan] $Duration,
        [Parameter(Mandatory)] [string] $Reason
    )

    $scope = @{ Server = $Server; Dag = $Dag; Site = $Site }[$PSCmdlet.ParameterSetName]
    $window = @{ start = $Start.ToUniversalTime().ToString('o'); duration = $Duration.ToString('c'); reason = $Reason }
    $window[$PSCmdlet.ParameterSetName.ToLowerInvariant()] = $scope
    if ($PSCmdlet.ShouldProcess("$($PSCmdlet.ParameterSetName) $scope", "Schedule maintenance from $($Start.ToUniversalTime().ToString('u')) for $Duration")) {
        ConvertTo-Maintenance (Invoke-ImapRemediationApi POST 'api/maintenance' $window)
    }
}

<#
.SYNOPSIS
Removes a scheduled maintenance window.
#>
function Remove-ImapRemediationMaintenance {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param([Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string] $Id)

    process {
        if ($PSCmdlet.ShouldProcess("maintenance window $Id", 'Remove')) {
            try { $null = Invoke-ImapRemediationApi DELETE "api/maintenance/$([uri]::EscapeDataString($Id))" }
            catch { Write-Error -Message "$_" -Category InvalidOperation -TargetObject $Id }
        }
    }
}

Export-ModuleMember -Function Connect-ImapRemediation, Get-ImapRemediationHealth, Get-ImapRemediationRun, Approve-ImapRemediationRun,
    Deny-ImapRemediationRun, Stop-ImapRemediationRun, Get-ImapRemediationPlan, Get-ImapRemediationMaintenance,
    New-ImapRemediationMaintenance, Remove-ImapRemediationMaintenance
