using System.Text.RegularExpressions;

namespace Remediation.Probes;

/// <summary>
/// Exchange's probe errors name the mailbox server behind the probe mailbox after <c>_Mbx:</c>
/// (the runbook's CTP step 3.5 reads it from there).
/// </summary>
public static partial class MailboxHint
{
    /// <summary>The server named after <c>_Mbx:</c> in <paramref name="error"/>, or null.</summary>
    public static string? Find(string? error) =>
        error is not null && Pattern().Match(error) is { Success: true } match ? match.Groups["server"].Value : null;

    [GeneratedRegex(@"_Mbx:\s*(?<server>[A-Za-z0-9][A-Za-z0-9.\-]{0,252})", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
