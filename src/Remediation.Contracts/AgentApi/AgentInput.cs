using System.Text.RegularExpressions;

namespace Remediation.AgentApi;

/// <summary>
/// Strict input rules shared by the agent (which refuses) and the client (which never sends bad input):
/// ASCII only, so Unicode look-alikes, quotes, ';', '$(...)', backticks and newlines never get near PowerShell.
/// </summary>
public static partial class AgentInput
{
    /// <summary>Null when <paramref name="server"/> is a valid server name (NetBIOS or FQDN), else why not.</summary>
    public static string? CheckServer(string? server) =>
        server is null or "" ? "is required."
        : server.Length > 253 ? "is longer than 253 characters."
        : !ServerName().IsMatch(server) ? "must be a host name: ASCII letters, digits, '-' and '.' only."
        : null;

    /// <summary>Null when <paramref name="value"/> is an identifier (health set, probe name), else why not.</summary>
    public static string? CheckIdentifier(string? value) =>
        value is null or "" ? "is required."
        : value.Length > 64 ? "is longer than 64 characters."
        : !Identifier().IsMatch(value) ? "must be ASCII letters, digits and '.' only."
        : null;

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServerName();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9.]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
