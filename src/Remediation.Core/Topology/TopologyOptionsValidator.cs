using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Remediation.Topology;

/// <summary>Fails start-up with messages that name the exact bad setting.</summary>
public sealed partial class TopologyOptionsValidator : IValidateOptions<TopologyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TopologyOptions options)
    {
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Servers.Count; i++)
        {
            var server = options.Servers[i];
            var at = $"{TopologyOptions.Section}:Servers:{i}";
            if (!ServerName().IsMatch(server.Name))
            {
                errors.Add($"{at}:Name '{server.Name}' is not a server name (letters, digits, '-', '.', 1-253 characters).");
            }
            else if (!seen.Add(server.Name))
            {
                errors.Add($"{at}:Name '{server.Name}' is configured twice.");
            }

            if (server.Role == ServerRole.None)
            {
                errors.Add($"{at}:Role is required (ClientAccess, Mailbox or Both).");
            }

            if (server.Role.HasFlag(ServerRole.Mailbox) && server.BackEnd is null)
            {
                errors.Add($"{at}:BackEnd is required for a mailbox server (the MSExchangeIMAP4BE endpoint).");
            }

            if (server.Role.HasFlag(ServerRole.ClientAccess) && server.FrontEnd is null)
            {
                errors.Add($"{at}:FrontEnd is required for a Client Access server.");
            }

            if (server.ProbeMailbox is { } mailbox)
            {
                if (string.IsNullOrWhiteSpace(mailbox.User) || mailbox.User.Length > 320 || mailbox.User.Any(char.IsControl))
                {
                    errors.Add($"{at}:ProbeMailbox:User is required (at most 320 characters, no control characters).");
                }

                if (string.IsNullOrEmpty(mailbox.Password))
                {
                    errors.Add($"{at}:ProbeMailbox:Password is required.");
                }
            }

            Check(server.BackEnd, $"{at}:BackEnd", errors);
            Check(server.FrontEnd, $"{at}:FrontEnd", errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    static void Check(ImapEndpointOptions? endpoint, string at, List<string> errors)
    {
        if (endpoint is null)
        {
            return;
        }

        if (!ServerName().IsMatch(endpoint.Host))
        {
            errors.Add($"{at}:Host '{endpoint.Host}' is not a host name.");
        }

        if (endpoint.Port is < 1 or > 65535)
        {
            errors.Add($"{at}:Port {endpoint.Port} is outside 1-65535.");
        }

        if (endpoint.TrustedCaFile is { } file && !File.Exists(file))
        {
            errors.Add($"{at}:TrustedCaFile '{file}' does not exist.");
        }

        if (endpoint.TrustedCa is { } pem && !UnresolvedSettings.IsUnresolved(pem))
        {
            if (endpoint.TrustedCaFile is not null)
            {
                errors.Add($"{at}: set TrustedCaFile or TrustedCa, not both.");
            }
            else if (PemProblem(pem) is { } problem)
            {
                errors.Add($"{at}:TrustedCa is not a PEM certificate ({problem}).");
            }
        }
    }

    static string? PemProblem(string pem)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            return certificates.Count == 0 ? "no CERTIFICATE block" : null;
        }
        catch (CryptographicException ex)
        {
            return ex.Message;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9.\-]{0,252}\z")]
    private static partial Regex ServerName();
}
