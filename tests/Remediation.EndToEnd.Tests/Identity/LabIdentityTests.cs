using System.Net;
using System.Net.Http.Json;
using Remediation.Host.Identity;

namespace Remediation.EndToEnd.Tests.Identity;

/// <summary>
/// The lab identity keeps lab mode two commands long without becoming a way in: loopback only, no DNS-rebound host
/// name, no cross-site request, never on a public address.
/// </summary>
public sealed class LabIdentityTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://+:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://[::]:5080")]
    [InlineData("http://ops-host.contoso.local:5080")]
    [InlineData("http://10.0.0.5:5080")]
    public void The_lab_identity_refuses_to_serve_a_non_loopback_address(string url)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => LabIdentityHandler.EnsureLoopbackOnly(["http://127.0.0.1:5080", url]));

        Assert.Contains(url, refused.Message, StringComparison.Ordinal);
        Assert.Contains("Mode=Oidc", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loopback_addresses_are_what_the_lab_identity_serves() =>
        LabIdentityHandler.EnsureLoopbackOnly(["http://127.0.0.1:5080", "http://localhost:5081", "http://[::1]:5082"]);

    [Fact]
    public async Task A_rebound_host_name_or_a_request_without_the_anti_forgery_token_is_nobody()
    {
        await using var host = await HostFactory.StartAsync(fixture.Lab);
        using var plain = new HttpClient { BaseAddress = host.Address };
        using var console = await LabHttp.ClientAsync(host.Address);
        var decision = new { action = "ServerRestart", step = 1 };

        // DNS rebinding: a page on rebinding.example whose name now resolves to 127.0.0.1.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/runs") { Headers = { Host = "rebinding.example" } };
        using var reboundAnswer = await plain.SendAsync(rebound);

        // A cross-site request carries no anti-forgery token (the page cannot read one).
        using var forged = await plain.PostAsJsonAsync("api/runs/nope/cancel", new { });
        using var forgedAlert = await plain.PostAsJsonAsync("api/alerts", new { alertId = "x", server = "MBX1", healthSet = "IMAP.Protocol" });
        using var withToken = await console.PostAsJsonAsync("api/runs/nope/approve", decision);
        var me = await console.GetFromJsonAsync<System.Text.Json.JsonElement>("api/antiforgery");

        Assert.Equal(HttpStatusCode.Unauthorized, reboundAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("anti-forgery", await forged.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.BadRequest, forgedAlert.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withToken.StatusCode); // past the gate: there is no run "nope"
        Assert.Equal("Lab operator (loopback lab identity)", me.GetProperty("signedInAs").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary")]
    [InlineData("multipart/form-data", "no boundary at all")]
    [InlineData("application/x-www-form-urlencoded", "%%%=%%%&\u0000")]
    public async Task A_malformed_form_body_is_a_400_that_names_the_problem_not_a_500_with_a_stack_trace(string contentType, string body)
    {
        await using var host = await HostFactory.StartAsync(fixture.Lab);
        using var plain = new HttpClient { BaseAddress = host.Address };
        using var content = new StringContent(body);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var answer = await plain.PostAsync("api/runs/nope/cancel", content);
        var text = await answer.Content.ReadAsStringAsync();

        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forwarded_headers_count_only_from_a_known_proxy_and_a_forwarded_remote_client_is_not_the_lab()
    {
        await using var proxied = await HostFactory.StartAsync(fixture.Lab, new Dictionary<string, string?> { ["Remediation:Identity:KnownProxies:0"] = "127.0.0.1" });
        await using var direct = await HostFactory.StartAsync(fixture.Lab);
        static async Task<HttpResponseMessage> GetAsync(Uri address, string path, string header, string value)
        {
            using var http = new HttpClient { BaseAddress = address };
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add(header, value);
            return await http.SendAsync(request);
        }

        using var behindTls = await GetAsync(proxied.Address, "api/antiforgery", "X-Forwarded-Proto", "https");
        using var remoteClient = await GetAsync(proxied.Address, "api/runs", "X-Forwarded-For", "203.0.113.9");
        using var viaUnknownProxy = await GetAsync(direct.Address, "api/runs", "X-Forwarded-For", "203.0.113.9");
        using var viaNginx = await GetAsync(direct.Address, "api/runs", "X-Real-IP", "203.0.113.9");
        using var viaStandard = await GetAsync(direct.Address, "api/runs", "Forwarded", "for=203.0.113.9");
        using var plain = await GetAsync(direct.Address, "api/runs", "X-Request-Id", "1");

        Assert.Contains(behindTls.Headers.GetValues("Set-Cookie"), c => c.StartsWith("Remediation.Antiforgery=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.Unauthorized, remoteClient.StatusCode);

        // A reverse proxy the host does not know put the lab behind it: whoever reached the proxy is not the lab operator.
        Assert.Equal(
            (HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK),
            (viaUnknownProxy.StatusCode, viaNginx.StatusCode, viaStandard.StatusCode, plain.StatusCode));
    }
}
