using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Remediation.Dashboard;
using Remediation.Operators;

namespace Remediation.Functions;

/// <summary>
/// The same dashboard as the standalone host's, at /api/dashboard, behind App Service Authentication, and
/// GET /api/antiforgery, the token its buttons send.
/// </summary>
public sealed class DashboardFunction(OperatorAccess operators)
{
    /// <summary>GET /api/dashboard.</summary>
    [Function("Dashboard")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest request) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => Task.FromResult(DashboardPage.Serve(request.HttpContext.Response, "/api", SignOut)));

    // App Service Authentication's sign-out ends the platform session and the provider's, then comes back here.
    const string SignOut = "get:/.auth/logout?post_logout_redirect_uri=/api/dashboard";

    /// <summary>GET /api/antiforgery.</summary>
    [Function("Antiforgery")]
    public Task<IResult> AntiforgeryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "antiforgery")] HttpRequest request) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => Task.FromResult(OperatorGate.IssueAntiforgeryToken(request.HttpContext)));
}
