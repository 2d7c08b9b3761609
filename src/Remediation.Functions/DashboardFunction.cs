using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Remediation.Dashboard;

namespace Remediation.Functions;

/// <summary>The same dashboard as the standalone host's, at /api/dashboard (put App Service authentication in front of it).</summary>
public static class DashboardFunction
{
    /// <summary>GET /api/dashboard.</summary>
    [Function("Dashboard")]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest request) =>
        DashboardPage.Serve(request.HttpContext.Response, "/api");
}
