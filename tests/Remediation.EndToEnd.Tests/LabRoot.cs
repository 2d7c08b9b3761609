namespace Remediation.EndToEnd.Tests;

/// <summary>
/// Every lab of a test run lives under one folder (REMEDIATION_LAB_ROOT, set by eng/test.sh), so the script can
/// stop any Dovecot a crashed test host left behind: a process whose command line names this folder is ours.
/// </summary>
internal static class LabRoot
{
    public static string NewDirectory(string name)
    {
        var root = Environment.GetEnvironmentVariable("REMEDIATION_LAB_ROOT") ?? Path.Combine(Path.GetTempPath(), "remediation-tests");
        return Directory.CreateDirectory(Path.Combine(root, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)])).FullName;
    }
}
