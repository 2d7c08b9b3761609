@{
    RootModule        = 'ImapRemediation.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '4f1c9a52-7d1e-4c8e-9a43-2f6b0d7e5a11'
    Author            = 'IMAP remediation'
    Description       = 'The IMAP remediation console from PowerShell: health in Get-ServerHealth''s shape, runs, approvals, plans and maintenance windows, with -WhatIf and -Confirm on every change.'
    PowerShellVersion = '7.2'
    FunctionsToExport = @(
        'Connect-ImapRemediation', 'Get-ImapRemediationHealth', 'Get-ImapRemediationRun', 'Approve-ImapRemediationRun',
        'Deny-ImapRemediationRun', 'Stop-ImapRemediationRun', 'Get-ImapRemediationPlan', 'Get-ImapRemediationMaintenance',
        'New-ImapRemediationMaintenance', 'Remove-ImapRemediationMaintenance')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
