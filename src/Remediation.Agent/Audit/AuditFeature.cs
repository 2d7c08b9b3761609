using Remediation.AgentApi;

namespace Remediation.Agent.Audit;

/// <summary>What the agent learned about a request while answering it: the audit line's content (a request feature).</summary>
public sealed class AuditFeature
{
    /// <summary>The key that signed the request, once the signature checked out.</summary>
    public string? KeyId { get; set; }

    /// <summary>The operation the handler recognised.</summary>
    public AgentOperation? Operation { get; set; }

    /// <summary>The server the handler recognised.</summary>
    public string? Server { get; set; }

    /// <summary>The arguments, as passed to Exchange (never secrets: the agent takes none).</summary>
    public IReadOnlyDictionary<string, string>? Arguments { get; set; }

    /// <summary>How it ended, in words, when the status code alone does not say.</summary>
    public string? Outcome { get; set; }
}

/// <summary>Access to the request's <see cref="AuditFeature"/>.</summary>
public static class AuditFeatureExtensions
{
    /// <summary>The request's audit feature (created on first use).</summary>
    public static AuditFeature Audit(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<AuditFeature>() is not { } feature)
        {
            feature = new AuditFeature();
            context.Features.Set(feature);
        }

        return feature;
    }
}
