using Microsoft.Extensions.Options;
using Remediation.AgentApi;
using Remediation.Imap;

namespace Remediation.Agent;

/// <summary>Refuses to start with weak keys or a malformed allow-list, naming the bad setting (never a key's value).</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        if (options.Keys.Count == 0)
        {
            errors.Add("Agent:Keys must hold at least one signing key.");
        }

        foreach (var (id, value) in options.Keys)
        {
            if (AgentInput.CheckIdentifier(id) is { } why)
            {
                errors.Add($"Agent:Keys:{id}: the key ID {why}");
            }

            var buffer = new byte[value.Length];
            if (!Convert.TryFromBase64String(value, buffer, out var length) || length < AgentSignature.MinimumKeyBytes)
            {
                errors.Add($"Agent:Keys:{id} must be base64 of at least {AgentSignature.MinimumKeyBytes} random bytes.");
            }
        }

        for (var i = 0; i < options.ManagedServers.Count; i++)
        {
            if (AgentInput.CheckServer(options.ManagedServers[i]) is { } why)
            {
                errors.Add($"Agent:ManagedServers:{i} {why}");
            }
        }

        foreach (var service in options.AllowedServices.Where(s => !ImapServices.All.Contains(s, StringComparer.OrdinalIgnoreCase)))
        {
            errors.Add($"Agent:AllowedServices: '{service}' is not an IMAP service this agent may restart ({string.Join(", ", ImapServices.All)}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
