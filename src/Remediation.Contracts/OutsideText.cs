namespace Remediation;

/// <summary>
/// Text from outside the product (an IMAP server's answer, an identity provider's claim, an operator's comment) as it
/// may reach logs, the ledger and the console: control characters removed (a terminal escape or a forged log line
/// cannot ride along), one line, bounded.
/// </summary>
public static class OutsideText
{
    /// <summary><paramref name="text"/> without control characters and at most <paramref name="max"/> characters long.</summary>
    public static string Clean(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new string([.. text.Where(c => !char.IsControl(c)).Take(max)]);
    }
}
