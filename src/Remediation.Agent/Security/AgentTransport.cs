namespace Remediation.Agent.Security;

/// <summary>
/// HTTPS by default: the agent answers plain HTTP only on a loopback address (the lab, tests, a Hybrid Connection
/// Manager on the same machine still relays TLS end to end when the agent listens on HTTPS). Anything else stops the
/// agent at start, naming the address.
/// </summary>
public static class AgentTransport
{
    /// <summary>Why the agent must not serve <paramref name="urls"/>, or null.</summary>
    public static string? Refusal(IEnumerable<string> urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("://+", "://any", StringComparison.Ordinal).Replace("://*", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                return $"The agent cannot tell whether {url} is safe: listen on https:// (or http:// on 127.0.0.1 only).";
            }

            if (uri.Scheme != Uri.UriSchemeHttps && !IsLoopback(uri))
            {
                return $"The agent listens on {url} over plain HTTP: signed requests would still hold, but answers, server names and the audit would cross the network in clear. Listen on https:// with the certificate the engine pins (Agent documentation), or on 127.0.0.1.";
            }
        }

        return null;
    }

    static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
