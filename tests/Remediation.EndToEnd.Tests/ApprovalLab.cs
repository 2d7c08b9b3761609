namespace Remediation.EndToEnd.Tests;

/// <summary>The lab-host settings the console tests share: fast probes, and a service restart that waits for an approval.</summary>
internal static class ApprovalLab
{
    /// <summary>Settings for a lab host on <paramref name="urls"/> in <paramref name="labDirectory"/>.</summary>
    public static Dictionary<string, string?> Settings(string labDirectory, string urls = "http://127.0.0.1:0") => new()
    {
        ["Urls"] = urls,
        ["Lab:Directory"] = labDirectory,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Remediation:Probes:Interval"] = "00:00:00.300",
        ["Remediation:Probes:Timeout"] = "00:00:02",
        ["Remediation:Monitors:ConsecutiveFailures"] = "2",
        ["Remediation:Pump:Interval"] = "00:00:00.100",
        ["Remediation:Recovery:ApprovalRequiredFor:0"] = "RestartService",
        ["Remediation:Recovery:ApprovalTimeout"] = "00:02:00",
    };
}
