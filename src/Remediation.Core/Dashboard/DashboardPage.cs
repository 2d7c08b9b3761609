using Microsoft.AspNetCore.Http;

namespace Remediation.Dashboard;

/// <summary>The dashboard: one self-contained page (no build chain) served at / by both hosts.</summary>
public static class DashboardPage
{
    static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("Remediation.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in the engine assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>
    /// The page's Content-Security-Policy: its one inline script and one inline style by their SHA-256 (nothing else
    /// runs, even text an attacker got into a run's evidence and past the page's escaping), style attributes for the
    /// drawn bars, requests to its own origin only, no plugins, no base or form target elsewhere, never framed.
    /// </summary>
    public static string ContentSecurityPolicy { get; } = Policy(Page.Value);

    /// <summary>
    /// The page as both hosts serve it: never inside another site's frame (its Approve button cannot be clickjacked),
    /// only its own script, never cached, never sniffed.
    /// </summary>
    public static IResult Serve(HttpResponse response, string apiBase = "/api", string? signOut = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        return Results.Content(Html(apiBase, signOut), "text/html; charset=utf-8");
    }

    static string Policy(string page)
    {
        static string Hash(string page, string tag)
        {
            var open = page.IndexOf($"<{tag}>", StringComparison.Ordinal) + tag.Length + 2;
            var close = page.IndexOf($"</{tag}>", open, StringComparison.Ordinal);
            if (open < tag.Length + 2 || close < 0 || page.IndexOf($"<{tag}", close, StringComparison.Ordinal) >= 0)
            {
                throw new InvalidOperationException($"The dashboard must hold exactly one inline <{tag}> (its hash is the page's Content-Security-Policy).");
            }

            return "'sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(page[open..close]))) + "'";
        }

        return $"default-src 'none'; script-src {Hash(page, "script")}; style-src {Hash(page, "style")}; style-src-attr 'unsafe-inline'; "
            + "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    }

    /// <summary>
    /// The page, calling the API under <paramref name="apiBase"/> (e.g. /api); with <paramref name="signOut"/> a Sign out
    /// button: <c>post:/signout</c> (the standalone host: it answers where the provider's own sign-out is) or
    /// <c>get:/.auth/logout?...</c> (App Service Authentication's sign-out, navigated to).
    /// </summary>
    public static string Html(string apiBase = "/api", string? signOut = null) =>
        Page.Value.Replace(
            "<html lang=\"en\">",
            $"<html lang=\"en\" data-api=\"{System.Net.WebUtility.HtmlEncode(apiBase)}\"{(signOut is null ? "" : $" data-signout=\"{System.Net.WebUtility.HtmlEncode(signOut)}\"")}>",
            StringComparison.Ordinal);
}
