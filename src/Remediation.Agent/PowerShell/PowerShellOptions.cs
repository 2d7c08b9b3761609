namespace Remediation.Agent.PowerShell;

/// <summary>How the agent reaches Exchange through PowerShell.</summary>
public sealed class PowerShellOptions
{
    public const string Section = "Agent:PowerShell";

    /// <summary>
    /// Exchange remote PowerShell endpoint (http://exchange-server/PowerShell/): a session is opened with
    /// New-PSSession -ConfigurationName Microsoft.Exchange and only the allow-listed cmdlets are imported.
    /// Unset: the cmdlets must be available locally (Exchange Management Shell module, or <see cref="ModulePaths"/>).
    /// </summary>
    public Uri? ConnectionUri { get; set; }

    /// <summary>Authentication for the remote session (Kerberos inside the domain).</summary>
    public string Authentication { get; set; } = "Kerberos";

    /// <summary>Modules imported into the runspace (the Exchange Management Shell module; stand-ins in tests).</summary>
    public List<string> ModulePaths { get; set; } = [];
}
