using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Remediation.Operators;

/// <summary>
/// The one check every operator route of both hosts passes: signed in (401), holding the role (403), and, for a
/// state-changing request carried by an ambient credential (a sign-in cookie, the lab identity), the anti-forgery
/// token the console fetched (400): a page on another site cannot make the browser approve anything.
/// </summary>
public static class OperatorGate
{
    /// <summary>The header the console sends the anti-forgery token in.</summary>
    public const string AntiforgeryHeader = "X-XSRF-TOKEN";

    /// <summary>The anti-forgery cookie (same-site strict, HTTP only).</summary>
    public const string AntiforgeryCookie = "Remediation.Antiforgery";

    /// <summary>Null when <paramref name="context"/>'s caller may act as <paramref name="role"/> (the operator is then <see cref="Current"/>), else the answer.</summary>
    public static async Task<IResult?> CheckAsync(HttpContext context, OperatorRole role)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Operator.From(context.User) is not { } who)
        {
            return await CanChallengeAsync(context)
                ? Results.Challenge()
                : Results.Problem("Sign in first: this needs a signed-in operator.", statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in");
        }

        if (!who.Has(role))
        {
            var held = who.Roles.Count == 0 ? "no role" : string.Join(", ", who.Roles).ToLowerInvariant();
            return Results.Problem($"This needs the {role.ToString().ToLowerInvariant()} role; {who.Name} has {held}.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");
        }

        if (IsStateChanging(context.Request) && IsAmbient(context.Request) && await AntiforgeryRefusalAsync(context) is { } refused)
        {
            return refused;
        }

        context.Features.Set(new OperatorFeature(who));
        return null;
    }

    // The anti-forgery check reads a form body to look for the token there: a malformed one (a multipart body without
    // its closing boundary, or without a boundary) is the caller's mistake, answered 400, never a 500 with a trace.
    // ASP.NET Core's DefaultAntiforgeryTokenStore throws AntiforgeryValidationException ("Unable to read the
    // antiforgery request token from the posted form") around the form reader's InvalidDataException or IOException.
    static async Task<IResult?> AntiforgeryRefusalAsync(HttpContext context)
    {
        bool valid;
        try
        {
            valid = await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context);
        }
        catch (Exception ex) when (ex is AntiforgeryValidationException or InvalidDataException or IOException or BadHttpRequestException)
        {
            var why = (ex.InnerException ?? ex).Message;
            return Results.Problem($"The request body is not a well-formed {context.Request.ContentType?.Split(';')[0]} form: {why}", statusCode: StatusCodes.Status400BadRequest, title: "Malformed form body");
        }

        if (!valid)
        {
            return Results.Problem(
                $"A state-changing request signed in by cookie must carry the anti-forgery token from GET /api/antiforgery in the {AntiforgeryHeader} header.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Anti-forgery token missing or invalid");
        }

        return null;
    }

    /// <summary>The operator <see cref="CheckAsync"/> let through.</summary>
    public static Operator Current(HttpContext context) =>
        context?.Features.Get<OperatorFeature>()?.Operator ?? throw new InvalidOperationException("No operator: the route was not gated (RequireOperator).");

    /// <summary>Gates a route or group: only callers with <paramref name="role"/> reach the handler.</summary>
    public static TBuilder RequireOperator<TBuilder>(this TBuilder builder, OperatorRole role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (filter, next) => await CheckAsync(filter.HttpContext, role) ?? await next(filter));

    /// <summary>GET /api/antiforgery's answer: a fresh token (and its cookie) for the signed-in caller, and who they are.</summary>
    public static IResult IssueAntiforgeryToken(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var who = Current(context);
        var signedInAs = new { name = who.Name, objectId = who.ObjectId, roles = who.Roles.Order().Select(r => r.ToString().ToLowerInvariant()) };
        return Results.Ok(new { headerName = AntiforgeryHeader, token = tokens.RequestToken, signedInAs });
    }

    /// <summary>The anti-forgery settings both hosts use.</summary>
    public static IServiceCollection AddOperatorAntiforgery(this IServiceCollection services) =>
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

    static bool IsStateChanging(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));

    // A browser never adds an Authorization header on its own: a bearer token is not an ambient credential.
    static bool IsAmbient(HttpRequest request) => !request.Headers.Authorization.Any(v => v?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true);

    static async Task<bool> CanChallengeAsync(HttpContext context) =>
        context.RequestServices.GetService<IAuthenticationSchemeProvider>() is { } schemes && await schemes.GetDefaultChallengeSchemeAsync() is not null;
}

/// <summary>The request feature <see cref="OperatorGate.CheckAsync"/> sets on a request it let through: who is calling.</summary>
/// <param name="Operator">The signed-in operator, holding the role the route needs.</param>
public sealed record OperatorFeature(Operator Operator);
