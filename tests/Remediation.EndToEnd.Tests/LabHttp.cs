using System.Net;
using System.Net.Http.Json;

namespace Remediation.EndToEnd.Tests;

/// <summary>
/// An HTTP client for a lab-mode host as the console is one: the loopback lab identity, with the anti-forgery token
/// (and its cookie) every state-changing request of an ambient identity must carry.
/// </summary>
internal static class LabHttp
{
    public static async Task<HttpClient> ClientAsync(Uri address)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = address };
        var token = await http.GetFromJsonAsync<AntiforgeryToken>("api/antiforgery");
        http.DefaultRequestHeaders.Add(token!.HeaderName, token.Token);
        return http;
    }

    sealed record AntiforgeryToken(string HeaderName, string Token);
}
