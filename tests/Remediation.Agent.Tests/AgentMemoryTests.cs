using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Agent.Operations;
using Remediation.Agent.State;
using Remediation.AgentApi;
using Remediation.Exchange;

namespace Remediation.Agent.Tests;

/// <summary>
/// The agent forgets nothing that matters when it restarts, and the engine believes only answers the agent signed:
/// replays after a restart, retries after a restart, a swapped idempotency key, a tampered answer, an unexpected error.
/// Asserted on the agent's executor, the Dovecot processes and the audit, not on what the code meant.
/// </summary>
[Collection(nameof(AgentCollection))]
public sealed class AgentMemoryTests(AgentFixture agent) : IAsyncLifetime
{
    public Task InitializeAsync() => agent.HealAsync();

    public Task DisposeAsync() => agent.HealAsync();

    static async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Uri? to = null)
    {
        using var http = new HttpClient();
        if (to is not null)
        {
            request.RequestUri = new Uri(to, request.RequestUri!.PathAndQuery);
        }

        return await http.SendAsync(request);
    }

    static HttpRequestMessage Copy(HttpRequestMessage captured, string? body = null)
    {
        var copy = new HttpRequestMessage(captured.Method, captured.RequestUri);
        foreach (var header in captured.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            copy.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return copy;
    }

    [Fact]
    public async Task A_captured_request_replayed_after_the_agent_restarted_is_still_a_replay()
    {
        var captured = AuthenticationTests.Sign(agent.Address, HttpMethod.Get, "/api/v1/servers/MBX1/imap-settings");
        using var first = await SendAsync(Copy(captured));

        await agent.RestartAgentAsync();
        using var replayed = await SendAsync(Copy(captured), agent.Address);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("Replayed request", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retry_after_the_agent_restarted_gets_the_first_answer_and_restarts_nothing_again()
    {
        var key = $"run-1:{Guid.NewGuid():N}";
        var first = await agent.Client().RestartServiceAsync("MBX1", "MSExchangeIMAP4BE", key, default);
        var pidAfterFirst = agent.Lab.MailboxServers["MBX1"].Pid;

        await agent.RestartAgentAsync();
        var retried = await agent.Client().RestartServiceAsync("MBX1", "MSExchangeIMAP4BE", key, default);
        var audit = await agent.Client().GetAuditAsync(50, default);

        Assert.Equal(first, retried);
        Assert.Equal(0, agent.Executions.Changes); // the restarted agent's executor never saw it
        Assert.Equal(pidAfterFirst, agent.Lab.MailboxServers["MBX1"].Pid); // and Dovecot was not restarted a second time
        Assert.Equal(2, audit.Count(e => e.IdempotencyKey == key && e.Status == 200));
    }

    [Fact]
    public async Task An_idempotency_key_swapped_in_transit_breaks_the_signature_and_nothing_runs()
    {
        var captured = AuthenticationTests.Sign(agent.Address, HttpMethod.Post, "/api/v1/servers/MBX1/services/MSExchangeIMAP4BE/restart", idempotencyKey: "step-1");
        var swapped = Copy(captured);
        swapped.Headers.Remove(AgentSignature.IdempotencyHeader);
        swapped.Headers.Add(AgentSignature.IdempotencyHeader, "step-2");
        var before = agent.Executions.Calls;

        using var answer = await SendAsync(swapped);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal(before, agent.Executions.Calls);
    }

    [Fact]
    public async Task An_answer_tampered_in_transit_is_rejected_by_the_engine()
    {
        // A relay between engine and agent that turns "protocol logging off" into "on" in every answer.
        await using var relay = await TamperingRelay.StartAsync(agent.Address, body => body.Replace("\"protocolLogEnabled\":false", "\"protocolLogEnabled\":true", StringComparison.Ordinal));
        var honest = await agent.Client().GetImapSettingsAsync("MBX1", default);

        var rejected = await Assert.ThrowsAsync<AgentAnswerRejectedException>(() => ClientVia(relay.Address).GetImapSettingsAsync("MBX1", default));
        var untouched = await ClientVia(relay.Address).GetServerStateAsync("MBX1", default); // nothing to change in it: it passes

        Assert.False(honest.ProtocolLogEnabled);
        Assert.Contains("not signed by the agent", rejected.Message, StringComparison.Ordinal);
        Assert.Equal("MBX1", untouched.Server, ignoreCase: true);
    }

    [Fact]
    public async Task An_unexpected_error_is_not_kept_as_the_answer_and_is_audited_as_what_it_was()
    {
        var key = $"run-2:{Guid.NewGuid():N}";
        var changesBefore = agent.Executions.Changes; // the fixture's agent is shared: count from here
        agent.Executions.ThrowNext = new InvalidOperationException("runspace broke");

        var failed = await Record.ExceptionAsync(() => agent.Client().SetImapSettingsAsync("MBX1", true, key, default));
        Assert.IsNotType<AgentAnswerRejectedException>(failed); // the agent's own 500, signed as every answer
        var retried = await agent.Client().SetImapSettingsAsync("MBX1", true, key, default);
        await agent.Client().SetImapSettingsAsync("MBX1", false, $"{key}:off", default);
        var audit = await agent.Client().GetAuditAsync(50, default);

        Assert.NotNull(failed);
        Assert.True(retried.ProtocolLogEnabled);
        Assert.Equal(changesBefore + 2, agent.Executions.Changes);
        Assert.Contains(audit, e => e.IdempotencyKey == key && e.Status == 500 && e.Outcome.StartsWith("Failed", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.IdempotencyKey == key && e.Status == 200);
    }

    [Fact]
    public void An_operation_under_way_when_the_agent_stopped_is_never_started_again_under_its_key()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agent-state-{Guid.NewGuid():N}.db");
        var options = Options.Create(new AgentOptions { StatePath = path });
        var now = TimeProvider.System.GetUtcNow();
        try
        {
            using (var before = new AgentState(options))
            {
                Assert.Equal(AgentState.Claim.Claimed, before.TryClaim("k", "RestartServer|MBX1", now, now.AddHours(1), out _));
            }

            using var after = new AgentState(options);
            if (!OperatingSystem.IsWindows())
            {
                // Nonces and answers are the agent's alone: the file and its write-ahead log are 0600.
                foreach (var file in new[] { path, path + "-wal" })
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                }
            }

            Assert.Equal(AgentState.Claim.Unknown, after.TryClaim("k", "RestartServer|MBX1", now, now.AddHours(1), out _));
            Assert.Equal(AgentState.Claim.OtherRequest, after.TryClaim("k", "RestartServer|MBX2", now, now.AddHours(1), out _));
            Assert.Equal(AgentState.Claim.Claimed, after.TryClaim("k", "RestartServer|MBX1", now.AddHours(2), now.AddHours(3), out _)); // expired: a new step may use it
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    [Theory]
    [InlineData(false)] // the caller hangs up (its own timeout) while Exchange is slow
    [InlineData(true)] // the agent answers 504 "still running" after its OperationTimeout (3 s here)
    public async Task An_operation_that_outlives_its_request_writes_its_real_end_and_a_change_is_audited_as_started_first(bool agentTimesOut)
    {
        var key = $"run-9:{Guid.NewGuid():N}";
        agent.Executions.DelayNextChange = agentTimesOut ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(2);
        using var http = agent.SignedHttp();
        http.Timeout = agentTimesOut ? TimeSpan.FromSeconds(30) : TimeSpan.FromMilliseconds(500);

        var answered = await Record.ExceptionAsync(() => new ExchangeAgentClient(http).SetImapSettingsAsync("MBX1", false, key, default));
        List<AuditEntry> lines = [];
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!lines.Any(l => l.Outcome.StartsWith("Finished", StringComparison.Ordinal)))
        {
            await Task.Delay(100, patience.Token);
            lines = [.. (await agent.Client().GetAuditAsync(200, default)).Where(e => e.IdempotencyKey == key)];
        }

        Assert.NotNull(answered);
        Assert.Equal(
            [102, agentTimesOut ? 504 : OperationGate.CallerHungUp, 200],
            lines.Select(l => l.Status));
        Assert.StartsWith("Started", lines[0].Outcome, StringComparison.Ordinal);
        Assert.StartsWith($"Finished after {(agentTimesOut ? "its caller was answered 504" : "its caller hung up")}: HTTP 200", lines[2].Outcome, StringComparison.Ordinal);
        Assert.All(lines, l => Assert.Equal(("SetImapSettings", "MBX1"), (l.Operation, l.Server)));
    }

    [Fact]
    public async Task An_answer_lost_after_the_executor_acted_keeps_the_key_so_a_retry_never_acts_twice()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agent-state-{Guid.NewGuid():N}.db");
        var options = Options.Create(new AgentOptions { StatePath = path });
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        try
        {
            using var state = new AgentState(options);
            var store = new Operations.IdempotencyStore(state, TimeProvider.System, options, services);
            var acted = 0;

            // The restart happened; writing its answer then failed.
            var first = await Record.ExceptionAsync(() => store.RunOnceAsync("run-7:restart", "RestartServer|MBX1", () =>
            {
                acted++;
                return Task.FromResult<IResult>(new AnswerThatCannotBeWritten());
            }));
            var retry = await store.RunOnceAsync("run-7:restart", "RestartServer|MBX1", () =>
            {
                acted++;
                return Task.FromResult(Results.Ok());
            });
            var context = new DefaultHttpContext { RequestServices = services };
            await retry.ExecuteAsync(context);

            Assert.IsType<InvalidOperationException>(first);
            Assert.Equal(1, acted);
            Assert.Equal(StatusCodes.Status409Conflict, context.Response.StatusCode); // "Outcome unknown": read the server's state
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    sealed class AnswerThatCannotBeWritten : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => throw new InvalidOperationException("the answer could not be serialized");
    }

    [Fact]
    public async Task An_unsigned_401_from_whoever_answers_on_the_agents_path_says_no_without_its_text_and_the_agents_own_refusal_keeps_its_reason()
    {
        // An impostor on the agent's path: 401 with text meant for an operator's terminal and log.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var impostor = builder.Build();
        impostor.Run(async context =>
        {
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("{\"detail\":\"\\u001b[2J Agent compromised: call +1 555 0100 and read out your key\"}");
        });
        await impostor.StartAsync();

        var impostorAnswer = await Assert.ThrowsAnyAsync<AgentException>(() => ClientVia(new Uri(impostor.Urls.First())).GetImapSettingsAsync("MBX1", default));
        var skewed = new AgentClientOptions { BaseAddress = agent.Address, KeyId = AgentFixture.KeyId, Key = AgentFixture.Key };
        var late = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow().AddHours(-1));
        var agentAnswer = await Assert.ThrowsAnyAsync<AgentException>(() => new ExchangeAgentClient(new HttpClient(
            new AgentSigningHandler(new FixedOptions<AgentClientOptions>(skewed), late) { InnerHandler = new HttpClientHandler() })
        { BaseAddress = agent.Address }).GetImapSettingsAsync("MBX1", default));

        Assert.DoesNotContain("compromised", impostorAnswer.Message, StringComparison.Ordinal);
        Assert.Contains("its text is not shown", impostorAnswer.Message, StringComparison.Ordinal);
        Assert.Contains(AgentSignature.Refusal.ClockSkew, agentAnswer.Message, StringComparison.Ordinal);
    }

    static ExchangeAgentClient ClientVia(Uri relay)
    {
        var options = new AgentClientOptions { BaseAddress = relay, KeyId = AgentFixture.KeyId, Key = AgentFixture.Key };
        var handler = new AgentSigningHandler(new FixedOptions<AgentClientOptions>(options), TimeProvider.System) { InnerHandler = new HttpClientHandler() };
        return new ExchangeAgentClient(new HttpClient(handler) { BaseAddress = relay });
    }

    /// <summary>A man in the middle on 127.0.0.1: forwards requests to the agent unchanged and edits the answers.</summary>
    sealed class TamperingRelay : IAsyncDisposable
    {
        readonly WebApplication app;

        TamperingRelay(WebApplication app) => this.app = app;

        public Uri Address => new(app.Urls.First());

        public static async Task<TamperingRelay> StartAsync(Uri agent, Func<string, string> edit)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var http = new HttpClient { BaseAddress = agent };
            app.Run(async context =>
            {
                using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
                foreach (var header in context.Request.Headers.Where(h => h.Key.StartsWith("X-Agent-", StringComparison.OrdinalIgnoreCase) || h.Key == AgentSignature.IdempotencyHeader))
                {
                    forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
                }

                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                if (body.Length > 0)
                {
                    forward.Content = new ByteArrayContent(body.ToArray());
                    forward.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(context.Request.ContentType!);
                }

                using var answer = await http.SendAsync(forward);
                var text = edit(await answer.Content.ReadAsStringAsync());
                context.Response.StatusCode = (int)answer.StatusCode;
                context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
                foreach (var header in answer.Headers.Where(h => h.Key.StartsWith("X-Agent-", StringComparison.OrdinalIgnoreCase)))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }

                await context.Response.WriteAsync(text);
            });
            await app.StartAsync();
            return new TamperingRelay(app);
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
