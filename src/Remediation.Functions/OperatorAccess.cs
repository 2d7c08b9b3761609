using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Remediation.Operators;

namespace Remediation.Functions;

/// <summary>
/// Who calls the Functions app's operator routes: App Service Authentication (Entra ID, configured in the Bicep's
/// authsettingsV2) signs people in and injects the client principal; the engine's code reads it and checks the role,
/// exactly as the standalone host does. Those functions are anonymous to the Functions host: a function key is a
/// shared secret, not a person.
/// </summary>
public sealed class OperatorAccess(IConfiguration configuration)
{
    /// <summary>
    /// Runs <paramref name="handler"/> as the signed-in operator when they hold <paramref name="role"/>; else 401/403/400.
    /// The handler reads any body itself, after this check: nothing of an unauthorised caller's body is read.
    /// </summary>
    public async Task<IResult> AsAsync<TResult>(HttpRequest request, OperatorRole role, Func<Operator, Task<TResult>> handler)
        where TResult : IResult
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        request.HttpContext.User = AppServicePrincipal.Read(request, AppServicePrincipal.IsEnabled(configuration[AppServicePrincipal.EnabledSetting]));
        return await OperatorGate.CheckAsync(request.HttpContext, role) ?? await handler(OperatorGate.Current(request.HttpContext));
    }
}
