using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>
/// Server certificate validation for probes: the system's trust by default, or a pinned CA per endpoint (a PEM file,
/// or PEM text from a Key Vault-backed setting).
/// There is deliberately no "accept any certificate" mode.
/// </summary>
internal static class CertificateTrust
{
    static readonly ConcurrentDictionary<string, X509Certificate2Collection> Pinned = new(StringComparer.Ordinal);

    public static RemoteCertificateValidationCallback For(ImapEndpointOptions endpoint)
    {
        X509Certificate2Collection roots;
        if (endpoint.TrustedCaFile is { } file)
        {
            roots = Pinned.GetOrAdd("file:" + file, static f => Read(File.ReadAllText(f["file:".Length..])));
        }
        else if (endpoint.TrustedCa is { } pem)
        {
            roots = Pinned.GetOrAdd("pem:" + pem, static p => Read(p["pem:".Length..]));
        }
        else
        {
            return static (_, _, _, errors) => errors == SslPolicyErrors.None;
        }

        return (_, certificate, _, errors) =>
        {
            // The name must still match; only the chain's anchor is replaced by the pinned CA.
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        };
    }

    static X509Certificate2Collection Read(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection;
    }
}
