namespace Remediation.Topology;

/// <summary>How an IMAP port is secured.</summary>
public enum ImapSecurity
{
    /// <summary>TLS from the first byte (993, or the back end's 1993).</summary>
    Tls,

    /// <summary>Plain connection upgraded with STARTTLS (143).</summary>
    StartTls,

    /// <summary>No TLS at all. Only for a self test of the greeting; never used with credentials.</summary>
    None,
}

/// <summary>An IMAP endpoint, reached directly or through a Hybrid Connection (which relays TCP to host:port).</summary>
public sealed class ImapEndpointOptions
{
    /// <summary>DNS name (Hybrid Connections take names, not IPs).</summary>
    public string Host { get; set; } = "";

    /// <summary>TCP port.</summary>
    public int Port { get; set; }

    /// <summary>TLS mode.</summary>
    public ImapSecurity Security { get; set; } = ImapSecurity.Tls;

    /// <summary>PEM file of the CA (or the certificate itself) to trust for this endpoint instead of the system store. Never "accept any".</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>
    /// The same as PEM text, for hosts without a file system of their own (the Functions app reads it from the Key Vault
    /// secret <c>imap-trusted-ca</c>). At most one of the two.
    /// </summary>
    public string? TrustedCa { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Host}:{Port}";
}
