using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Remediation.Lab;

/// <summary>A throw-away CA and a localhost server certificate signed by it, written as PEM files.</summary>
public sealed record LabCertificate(string CaCertPath, string ServerCertPath, string ServerKeyPath)
{
    /// <summary>Creates the CA and server certificate under <paramref name="directory"/>.</summary>
    public static LabCertificate Create(string directory, TimeProvider time)
    {
        Directory.CreateDirectory(directory);
        var now = time.GetUtcNow();

        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Remediation Lab CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(7), RandomNumberGenerator.GetBytes(12));

        var result = new LabCertificate(
            Path.Combine(directory, "ca.pem"),
            Path.Combine(directory, "cert.pem"),
            Path.Combine(directory, "key.pem"));
        File.WriteAllText(result.CaCertPath, ca.ExportCertificatePem());
        File.WriteAllText(result.ServerCertPath, server.ExportCertificatePem());
        // The server's private key is readable by the lab's own account only (Dovecot reads it in its master process,
        // started as that account); the CA's key is never written at all: the CA signs once, here, and is forgotten.
        File.WriteAllText(result.ServerKeyPath, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(result.ServerKeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(result.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return result;
    }
}
