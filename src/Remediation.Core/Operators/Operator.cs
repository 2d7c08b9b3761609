using System.Security.Claims;

namespace Remediation.Operators;

/// <summary>What a signed-in person may do: read (health, runs), approve (approve/reject a step), operate (cancel, probes, maintenance).</summary>
public enum OperatorRole
{
    /// <summary>Health, runs, maintenance windows, the dashboard. Any of the three roles grants it.</summary>
    Reader,

    /// <summary>Approve or reject the step a run waits on.</summary>
    Approver,

    /// <summary>Cancel runs, release holds, fire probes, schedule maintenance, post alerts by hand.</summary>
    Operator,
}

/// <summary>
/// A signed-in person as the engine records them: display name and object ID from the identity provider's token
/// (Entra ID's <c>name</c>/<c>oid</c>, any OIDC provider's <c>sub</c>), and the roles its <c>roles</c> claim grants.
/// Never a name from a request body.
/// </summary>
/// <param name="Name">Who, as people read it.</param>
/// <param name="ObjectId">Who, as the identity provider knows them: what "two different approvers" compares.</param>
/// <param name="Roles">The roles granted (role claim values <c>reader</c>, <c>approver</c>, <c>operator</c>, any case).</param>
public sealed record Operator(string Name, string ObjectId, IReadOnlySet<OperatorRole> Roles)
{
    /// <summary>The claim types a role may arrive in: Entra ID and most providers say <c>roles</c>; ASP.NET maps it to <see cref="ClaimTypes.Role"/>.</summary>
    static readonly string[] RoleClaims = ["roles", "role", ClaimTypes.Role];

    static readonly string[] NameClaims = ["name", ClaimTypes.Name, "preferred_username", "upn", "email", ClaimTypes.Email];

    static readonly string[] ObjectIdClaims = ["oid", "http://schemas.microsoft.com/identity/claims/objectidentifier", "sub", ClaimTypes.NameIdentifier];

    /// <summary>The lab's only person: every role, recognisable in every record as the loopback lab identity.</summary>
    public static Operator Lab { get; } = new("Lab operator (loopback lab identity)", "lab", new HashSet<OperatorRole> { OperatorRole.Reader, OperatorRole.Approver, OperatorRole.Operator });

    /// <summary>How the run records them: name and object ID.</summary>
    public string Display => $"{Name} ({ObjectId})";

    /// <summary>Whether this person may do what <paramref name="role"/> allows (any role allows reading).</summary>
    public bool Has(OperatorRole role) => role == OperatorRole.Reader ? Roles.Count > 0 : Roles.Contains(role);

    /// <summary>The operator an authenticated principal is, or null when it is not authenticated or names nobody.</summary>
    public static Operator? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true } || First(principal, ObjectIdClaims) is not { } objectId)
        {
            return null;
        }

        var roles = new HashSet<OperatorRole>();
        foreach (var claim in principal.Claims.Where(c => RoleClaims.Contains(c.Type)))
        {
            // The value must be a role's name, exactly (any case): Enum.TryParse would also take "2" and
            // "reader, operator" (a flags list), granting roles nobody assigned.
            roles.UnionWith(Enum.GetValues<OperatorRole>().Where(r => string.Equals(r.ToString(), claim.Value, StringComparison.OrdinalIgnoreCase)));
        }

        return new Operator(Bounded(First(principal, NameClaims) ?? objectId), Bounded(objectId), roles);
    }

    static string? First(ClaimsPrincipal principal, string[] types) =>
        types.Select(t => principal.FindFirst(t)?.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    // A token's claims are the provider's word, but they still reach logs and the console: one line, bounded.
    static string Bounded(string value) => OutsideText.Clean(value, 128);
}
