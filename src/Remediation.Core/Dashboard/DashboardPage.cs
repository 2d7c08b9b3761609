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
    /// The page as both hosts serve it: never inside another site's frame (its Approve button cannot be clickjacked),
    /// never cached, never sniffed.
    /// </summary>
    public static IResult Serve(HttpResponse response, string apiBase = "/api")
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        return Results.Content(Html(apiBase), "text/html; charset=utf-8");
    }

    /// <summary>The page, calling the API under <paramref name="apiBase"/> (e.g. /api).</summary>
    public static string Html(string apiBase = "/api") =>
        Page.Value.Replace("<html lang=\"en\">", $"<html lang=\"en\" data-api=\"{System.Net.WebUtility.HtmlEncode(apiBase)}\">", StringComparison.Ordinal);
}
