using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Remediation.EndToEnd.Tests.Recovery;
using Remediation.Host;
using Remediation.Imap;
using Remediation.Runs;

namespace Remediation.EndToEnd.Tests.Identity;

/// <summary>
/// Operators are people who signed in with a real OpenID Connect provider: every operator route of the standalone
/// host refuses callers without a valid token (401) or without the role (403); decisions are recorded with the
/// token's person, never a name in the body; the four-eyes rule takes two different people.
/// </summary>
[Collection(nameof(OrganisationCollection))]
public sealed partial class IdentityTests(OrganisationFixture org) : IAsyncLifetime
{
    const string WebhookKey = "webhook-key-for-tests-0123456789abcdef";
    OidcProvider provider = null!;

    public async Task InitializeAsync()
    {
        await org.HealAsync();
        provider = await OidcProvider.StartAsync(new Uri("http://127.0.0.1:1"));
    }

    public async Task DisposeAsync()
    {
        await provider.DisposeAsync();
        await org.HealAsync();
    }

    Task<RemediationHost> StartHostAsync(IDictionary<string, string?>? more = null)
    {
        var settings = provider.HostSettings();
        settings["Remediation:Alerts:WebhookKeys:monitor"] = WebhookKey;
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return org.StartHostAsync(settings);
    }

    static async Task<HttpStatusCode> CallAsync(RemediationHost host, string method, string path, string? token, object? body = null, Action<HttpRequestMessage>? more = null)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Address };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        more?.Invoke(request);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Every_operator_route_refuses_callers_without_a_token_or_without_the_role()
    {
        await using var host = await StartHostAsync();
        var decision = new { action = "ServerRestart", step = 1 };
        (string Method, string Path, string Role, object? Body)[] routes =
        [
            ("POST", "api/runs/nope/approve", "approver", decision),
            ("POST", "api/runs/nope/reject", "approver", decision),
            ("POST", "api/runs/nope/cancel", "operator", null),
            ("POST", "api/runs/nope/release-hold", "operator", null),
            ("POST", "api/maintenance", "operator", new { }),
            ("DELETE", "api/maintenance/nope", "operator", null),
            ("POST", "api/probes/MBX1/IMAP.Protocol/ImapDeepTestProbe", "operator", null),
            ("POST", "api/alerts", "operator", new { }),
            ("GET", "api/runs", "reader", null),
            ("GET", "api/runs/nope", "reader", null),
            ("GET", "api/health", "reader", null),
            ("GET", "api/healthreport", "reader", null),
            ("GET", "api/maintenance", "reader", null),
            ("GET", "api/antiforgery", "reader", null),
        ];
        var tokens = new Dictionary<string, string>
        {
            ["none"] = await provider.TokenAsync("nora", []),
            ["reader"] = await provider.TokenAsync("rita", ["reader"]),
            ["approver"] = await provider.TokenAsync("alice", ["approver"]),
            ["operator"] = await provider.TokenAsync("olga", ["operator"]),
            ["a number for a role (\"2\")"] = await provider.TokenAsync("nick", ["2"]), // Enum.TryParse read it as Operator
            ["a list in one role value"] = await provider.TokenAsync("lisa", ["reader, operator"]),
        };

        var wrong = new List<string>();
        foreach (var (method, path, role, body) in routes)
        {
            var anonymous = await CallAsync(host, method, path, null, body);
            if (anonymous != HttpStatusCode.Unauthorized)
            {
                wrong.Add($"{method} {path} without a token: {(int)anonymous}");
            }

            foreach (var (held, token) in tokens)
            {
                var status = await CallAsync(host, method, path, token, body);
                var allowed = held == role || (role == "reader" && held is "approver" or "operator");
                if (allowed == (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) || (!allowed && status != HttpStatusCode.Forbidden))
                {
                    wrong.Add($"{method} {path} as {held}: {(int)status}");
                }
            }
        }

        // The console itself: a browser without a session is sent to sign in, not shown the page.
        var page = await CallAsync(host, "GET", "/", null);

        Assert.Empty(wrong);
        Assert.Equal(HttpStatusCode.Redirect, page);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(host, "GET", "api/healthz", null));
    }

    /// <summary>
    /// Every route the host maps, read from its own endpoint data sources (not a list kept by hand): called without a
    /// token, each answers 401, but the health check, the sign-in itself, and the pages a browser opens (the console,
    /// sign-out), which send a browser without a session to sign in. A new route nobody gated fails here.
    /// </summary>
    [Fact]
    public async Task Every_route_the_host_maps_refuses_an_anonymous_caller()
    {
        await using var host = await StartHostAsync();
        var routes = ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)host.App).DataSources.SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Path: "/" + RouteParameter().Replace(e.RoutePattern.RawText!.TrimStart('/'), "x"))))
            .Distinct().ToList();
        var open = new Dictionary<string, HttpStatusCode>
        {
            ["GET /"] = HttpStatusCode.Redirect,
            ["GET /signin"] = HttpStatusCode.BadGateway, // this fixture's provider refuses the sign-in request: still not a 401
            ["GET /api/healthz"] = HttpStatusCode.OK,
            ["POST /signout"] = HttpStatusCode.Redirect, // gated like the page: a browser without a session is sent to sign in
        };

        var wrong = new List<string>();
        foreach (var (method, path) in routes)
        {
            var status = await CallAsync(host, method, path, null, method is "POST" or "PUT" ? new { } : null);
            var expected = open.GetValueOrDefault($"{method} {path}", HttpStatusCode.Unauthorized);
            if (status != expected)
            {
                wrong.Add($"{method} {path}: {(int)status}, expected {(int)expected}");
            }
        }

        Assert.True(routes.Count >= 20, string.Join(", ", routes));
        Assert.Empty(wrong);
        Assert.Equal(open.Keys.Order(StringComparer.Ordinal), routes.Select(r => $"{r.Method} {r.Path}").Where(open.ContainsKey).Order(StringComparer.Ordinal));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{[^}]+\}")]
    private static partial System.Text.RegularExpressions.Regex RouteParameter();

    [Fact]
    public async Task An_id_token_is_refused_as_an_api_token_even_where_the_audience_is_the_client_id()
    {
        // Entra ID v2 with one registration: the API's audience is the console's client ID, which its ID tokens carry too.
        await using var host = await StartHostAsync(new Dictionary<string, string?> { ["Remediation:Identity:Audience"] = OidcProvider.ClientId });
        var access = await provider.TokenAsync("rita", ["reader"], audience: OidcProvider.ClientId);
        var idToken = await provider.TokenAsync("rita", ["reader"], audience: OidcProvider.ClientId, nonce: "n-0S6_WzA2Mj");

        Assert.Equal(HttpStatusCode.OK, await CallAsync(host, "GET", "api/runs", access));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(host, "GET", "api/runs", idToken));

        // And an audience nobody chose is not defaulted: no start without one.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => StartHostAsync(new Dictionary<string, string?> { ["Remediation:Identity:Audience"] = null }));
        Assert.Contains("Remediation:Identity:Audience is required when Mode is Oidc", (refused.InnerException ?? refused).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_foreign_misaddressed_and_unsigned_tokens_are_refused()
    {
        await using var host = await StartHostAsync();
        var valid = await provider.TokenAsync("rita", ["reader"]);
        var parts = valid.Split('.');
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var bad = new Dictionary<string, string>
        {
            ["expired"] = await provider.TokenAsync("rita", ["reader"], expiresInSeconds: -600),
            ["wrong audience"] = await provider.TokenAsync("rita", ["reader"], audience: "api://someone-else"),
            ["wrong issuer"] = await provider.TokenAsync("rita", ["reader"], issuer: "http://127.0.0.1:9/evil"),
            ["signed by a key the provider does not publish"] = await provider.TokenAsync("rita", ["reader"], foreignKey: true),
            ["alg none"] = $"{B64("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}.",
            ["roles edited after signing"] = $"{parts[0]}.{B64($$"""{"sub":"rita","roles":["operator"],"aud":"{{OidcProvider.ApiAudience}}","iss":"{{provider.Issuer.ToString().TrimEnd('/')}}","exp":{{TimeProvider.System.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds()}}}""")}.{parts[2]}",
        };

        var answers = new Dictionary<string, HttpStatusCode>();
        foreach (var (what, token) in bad)
        {
            answers[what] = await CallAsync(host, "GET", "api/runs", token);
        }

        Assert.Equal(HttpStatusCode.OK, await CallAsync(host, "GET", "api/runs", valid));
        Assert.All(answers, a => Assert.True(a.Value == HttpStatusCode.Unauthorized, $"{a.Key}: {(int)a.Value}"));
    }

    // Playbook 3.1 on MBX1 with the server restart under the four-eyes rule, waiting for its approvals.
    async Task<(RemediationHost Host, RunStatus Restart)> FourEyesRestartWaitingAsync()
    {
        var host = await StartHostAsync(new Dictionary<string, string?>
        {
            ["Remediation:Recovery:TwoApproversFor:0"] = "ServerRestart",
            ["Remediation:Recovery:ApprovalTimeout"] = "00:01:00",
        });
        try
        {
            await org.Lab.MailboxServers["MBX1"].StopAsync();
            org.Faults.Add(new Lab.Agent.LabFault(AgentApi.AgentOperation.RestartService, "MBX1", Lab.Agent.FaultMode.Ineffective, null));
            await host.StartAsync(PlaybookHarness.Alert("MBX1", ImapHealthModel.ProtocolHealthSet, "ImapDeepTestMonitor"));
            return (host, await host.WaitForApprovalRequestAsync("MBX1", "ServerRestart"));
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task A_server_restart_under_the_four_eyes_rule_needs_two_different_approvers_and_records_both()
    {
        var (host, restart) = await FourEyesRestartWaitingAsync();
        await using var _ = host;
        string alice = await provider.TokenAsync("alice", ["approver"]), bob = await provider.TokenAsync("bob", ["approver"]), rita = await provider.TokenAsync("rita", ["reader"]);
        var decision = new { by = "The CISO", comment = "looks fine", action = restart.AwaitingApproval, step = restart.ApprovalStep };
        var path = $"api/runs/{restart.RunId}/approve";

        var first = await CallAsync(host, "POST", path, alice, decision);
        var again = await CallAsync(host, "POST", path, alice, decision);
        var reader = await CallAsync(host, "POST", path, rita, decision);
        var stillWaiting = await host.WaitForApprovalRequestAsync("MBX1", "ServerRestart");
        var actionsAfterOne = await host.ActionsAsync(restart.RunId);
        var second = await CallAsync(host, "POST", path, bob, decision);
        var run = await host.CompletedAsync("MBX1");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Conflict, HttpStatusCode.Forbidden, HttpStatusCode.Accepted), (first, again, reader, second));
        Assert.Equal(["Alice (alice)"], stillWaiting.ApprovedBy);
        Assert.DoesNotContain(actionsAfterOne, a => a.Operation is "SetDatabaseCopyActivation" or "RestartServer");
        run.AssertOutcome(RunOutcome.Recovered);
        var approval = Assert.Single(run.Steps, s => s.Name.StartsWith("Approval for:", StringComparison.Ordinal));
        Assert.Equal("Approved by Alice (alice) and Bob (bob): looks fine; looks fine", approval.Answer);
        Assert.DoesNotContain(run.Steps, s => s.Answer?.Contains("CISO", StringComparison.Ordinal) == true);
        Assert.Contains(await host.ActionsAsync(restart.RunId), a => a.Operation == "RestartServer");
    }

    [Fact]
    public async Task A_rejection_racing_the_second_approval_of_a_four_eyes_step_either_wins_or_is_refused_never_dropped()
    {
        var (host, restart) = await FourEyesRestartWaitingAsync();
        await using var _ = host;
        string alice = await provider.TokenAsync("alice", ["approver"]), bob = await provider.TokenAsync("bob", ["approver"]), carol = await provider.TokenAsync("carol", ["approver"]);
        var decision = new { comment = "race", action = restart.AwaitingApproval, step = restart.ApprovalStep };
        Assert.Equal(HttpStatusCode.Accepted, await CallAsync(host, "POST", $"api/runs/{restart.RunId}/approve", alice, decision));
        await host.WaitForApprovalRequestAsync("MBX1", "ServerRestart");

        // Bob's approval (the second) and Carol's rejection leave at the same moment.
        var answers = await Task.WhenAll(
            CallAsync(host, "POST", $"api/runs/{restart.RunId}/approve", bob, decision),
            CallAsync(host, "POST", $"api/runs/{restart.RunId}/reject", carol, decision));
        var run = await host.CompletedAsync("MBX1");

        // Exactly one of them decided the step; the other was told so (409), and the run says who really decided.
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], answers.Order());
        var approval = Assert.Single(run.Steps, s => s.Name.StartsWith("Approval for:", StringComparison.Ordinal));
        // The decision that lost is recorded on the run too (who sent what, and why it was not taken), not only logged.
        var loser = answers[0] == HttpStatusCode.Accepted ? "rejection of step" : "approval of step";
        var loserName = answers[0] == HttpStatusCode.Accepted ? "Carol (carol)" : "Bob (bob)";
        var refused = Assert.Single(run.RefusedDecisions ?? []);
        Assert.Contains($"{loser} {restart.ApprovalStep} by {loserName}: ", refused, StringComparison.Ordinal);
        if (answers[0] == HttpStatusCode.Accepted)
        {
            run.AssertOutcome(RunOutcome.Recovered);
            Assert.Equal("Approved by Alice (alice) and Bob (bob): race; race", approval.Answer);
            Assert.Contains(await host.ActionsAsync(restart.RunId), a => a.Operation == "RestartServer");
        }
        else
        {
            run.AssertOutcome(RunOutcome.Rejected);
            Assert.StartsWith("Rejected by Carol (carol)", approval.Answer, StringComparison.Ordinal);
            Assert.DoesNotContain(await host.ActionsAsync(restart.RunId), a => a.Operation is "RestartServer" or "SetDatabaseCopyActivation");
        }

        // A decision that arrives after the run ended lost as well, and is recorded as such.
        Assert.Equal(HttpStatusCode.Conflict, await CallAsync(host, "POST", $"api/runs/{restart.RunId}/approve", alice, decision));
        var ended = await host.Get<Remediation.Runs.IRunLedger>().GetAsync(restart.RunId, default);
        Assert.Contains(ended!.RefusedDecisions!, r => r.Contains($"approval of step {restart.ApprovalStep} by Alice (alice): Run '{restart.RunId}' has already ended", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forged_host_header_is_refused_before_sign_in_and_a_console_without_its_host_names_does_not_start()
    {
        await using var host = await StartHostAsync();

        // The sign-in redirect is built from Host: a forged one would be reflected into it (or, malformed, a 500).
        var signIn = await CallAsync(host, "GET", "/signin", null, more: r => r.Headers.Host = "evil.example");
        var console = await CallAsync(host, "GET", "/", null, more: r => r.Headers.Host = "evil.example");
        var api = await CallAsync(host, "GET", "api/runs", await provider.TokenAsync("rita", ["reader"]));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => StartHostAsync(new Dictionary<string, string?> { ["AllowedHosts"] = "*" }));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.OK), (signIn, console, api));
        Assert.Contains("AllowedHosts", (refused.InnerException ?? refused).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A session cookie as the host's own cookie handler would write it after a sign-in: the claims a provider gave,
    /// protected with the host's key ring (what anyone holding that key ring could do).
    /// </summary>
    static string MintSession(RemediationHost host, string name, params string[] roles)
    {
        var cookies = host.Get<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>>()
            .Get(Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme);
        var claims = new List<System.Security.Claims.Claim> { new("name", name), new("oid", $"oid-{name}") };
        claims.AddRange(roles.Select(r => new System.Security.Claims.Claim("roles", r)));
        var now = TimeProvider.System.GetUtcNow();
        var ticket = new Microsoft.AspNetCore.Authentication.AuthenticationTicket(
            new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(claims, "oidc", "name", "roles")),
            new Microsoft.AspNetCore.Authentication.AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.AddHours(1) },
            Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme);
        return cookies.TicketDataFormat.Protect(ticket);
    }

    static Task<HttpStatusCode> WithSessionAsync(RemediationHost host, string session) =>
        CallAsync(host, "GET", "api/runs", null, more: r => r.Headers.Add("Cookie", $"Remediation.Session={session}"));

    [Fact]
    public async Task A_session_survives_a_restart_on_its_key_ring_and_a_cookie_minted_with_a_foreign_key_ring_is_refused()
    {
        var ring = LabRoot.NewDirectory("ring-a");
        var foreignRing = LabRoot.NewDirectory("ring-b");
        try
        {
            string session;
            await using (var first = await StartHostAsync(new Dictionary<string, string?> { ["Remediation:Identity:KeyRingPath"] = ring }))
            {
                session = MintSession(first, "rita", "reader");
                Assert.Equal(HttpStatusCode.OK, await WithSessionAsync(first, session));
            }

            // The key ring is kept, readable by the host's account only; a restart on it keeps everyone signed in.
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(ring));
            }

            Assert.NotEmpty(Directory.GetFiles(ring, "key-*.xml"));
            await using var restarted = await StartHostAsync(new Dictionary<string, string?> { ["Remediation:Identity:KeyRingPath"] = ring });
            Assert.Equal(HttpStatusCode.OK, await WithSessionAsync(restarted, session));

            // Somebody else's key ring (another install, a key ring copied from a test box) mints nothing this host takes.
            await using var other = await StartHostAsync(new Dictionary<string, string?> { ["Remediation:Identity:KeyRingPath"] = foreignRing });
            var forged = MintSession(other, "mallory", "operator", "approver", "reader");
            Assert.Equal(HttpStatusCode.OK, await WithSessionAsync(other, forged));
            Assert.Equal(HttpStatusCode.Unauthorized, await WithSessionAsync(restarted, forged));
            Assert.Equal(HttpStatusCode.Unauthorized, await WithSessionAsync(other, session));

            // Without a key ring an Oidc host does not start, and says what to set.
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => StartHostAsync(new Dictionary<string, string?> { ["Remediation:Identity:KeyRingPath"] = null }));
            Assert.Contains("Remediation:Identity:KeyRingPath is required when Mode is Oidc", (refused.InnerException ?? refused).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(ring, recursive: true);
            Directory.Delete(foreignRing, recursive: true);
        }
    }

    [Theory]
    [InlineData("http://0.0.0.0:5080", null, true)]
    [InlineData("http://[::]:5080", null, true)]
    [InlineData("http://ops.contoso.com:80", null, true)]
    [InlineData("https://0.0.0.0:5443", null, false)]
    [InlineData("http://127.0.0.1:5080", null, false)]
    [InlineData("http://localhost:5080", null, false)]
    [InlineData("http://0.0.0.0:5080", "10.0.0.5", false)] // behind the TLS-terminating proxy it knows
    public void Sessions_and_tokens_never_cross_the_network_in_clear(string url, string? proxy, bool refused)
    {
        var options = new Remediation.Host.Identity.IdentityOptions { Mode = Remediation.Host.Identity.IdentityMode.Oidc, KnownProxies = proxy is null ? [] : [proxy] };

        var refusal = Remediation.Host.Identity.IdentityExtensions.PlainHttpRefusal([url], options);

        Assert.Equal(refused, refusal is not null);
        if (refused)
        {
            Assert.Contains($"listens on {url}: sessions and tokens would cross the network in clear", refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_sign_in_the_provider_refuses_is_a_502_that_says_so_not_a_bare_500()
    {
        // This fixture's provider registered another host's redirect URI (as a fresh app registration often has).
        await using var host = await StartHostAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Address };

        using var answer = await http.GetAsync(new Uri("/signin", UriKind.Relative));
        var text = await answer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Contains("The identity provider refused the sign-in request", text, StringComparison.Ordinal);
        Assert.Contains("redirect_uri", text, StringComparison.Ordinal);
        Assert.Contains("/signin-oidc", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_webhooks_need_a_key_or_an_operator()
    {
        await using var host = await StartHostAsync();
        var alert = new { alertId = "key-1", server = "MBX1", healthSet = "IMAP.Protocol", monitor = "ImapDeepTestMonitor", description = "down" };

        var none = await CallAsync(host, "POST", "api/alerts", null, alert);
        var wrongKey = await CallAsync(host, "POST", "api/alerts", null, alert, r => r.Headers.Add("x-functions-key", WebhookKey + "x"));
        var header = await CallAsync(host, "POST", "api/alerts", null, alert, r => r.Headers.Add("x-functions-key", WebhookKey));
        var query = await CallAsync(host, "POST", $"api/alerts?code={WebhookKey}", null, alert);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Accepted, HttpStatusCode.Accepted), (none, wrongKey, header, query));
    }

    [Fact]
    public async Task An_anonymous_approve_is_refused_before_its_body_is_read_and_a_signed_in_one_is_held_to_16_KiB()
    {
        await using var host = await StartHostAsync();

        // 25 MiB announced, one byte sent: a host that bound the body before the gate would wait for the rest.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(host.Address.Host, host.Address.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/runs/nope/approve HTTP/1.1\r\nHost: {host.Address.Authority}\r\nContent-Type: application/json\r\nContent-Length: {25 * 1024 * 1024}\r\n\r\n{{";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer, patience.Token);
        Assert.StartsWith("HTTP/1.1 401", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);

        var alice = await provider.TokenAsync("alice", ["approver"]);
        var tooLarge = await CallAsync(host, "POST", "api/runs/nope/approve", alice, new { action = "ServerRestart", step = 1, comment = new string('x', 20 * 1024) });
        var small = await CallAsync(host, "POST", "api/runs/nope/approve", alice, new { action = "ServerRestart", step = 1, comment = "ok" });
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.NotFound), (tooLarge, small));
    }
}
