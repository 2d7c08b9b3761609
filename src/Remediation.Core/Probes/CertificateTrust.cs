using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>
/// Server certificate validation for probes: the system's trust by default, or a pinned CA per endpoint.
/// There is deliberately no "accept any certificate" mode.
/// </summary>
internal static class CertificateTrust
{
    static readonly ConcurrentDictionary<string, X509Certificate2Collection> Pinned = new(StringComparer.Ordinal);

    public static RemoteCertificateValidationCallback For(ImapEndpointOptions endpoint)
    {
        if (endpoint.TrustedCaFile is not { } file)
        {
            return static (_, _, _, errors) => errors == SslPolicyErrors.None;
        }

        var roots = Pinned.GetOrAdd(file, static f =>
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(f);
            return collection;
        });
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
}
