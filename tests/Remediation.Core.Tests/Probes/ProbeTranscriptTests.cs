using System.Net.Sockets;
using Remediation.Imap;
using Remediation.Probes;
using Remediation.Topology;

namespace Remediation.Core.Tests.Probes;

/// <summary>
/// The probes' failure classification (phase, response code, area, the _Mbx: hint), driven by IMAP transcripts in the
/// shapes Dovecot and Exchange answer with, through the real probes and MailKit: every phase a probe can fail in.
/// </summary>
public sealed class ProbeTranscriptTests
{
    const string Password = "s3cret-Pa55";
    const string DovecotGreeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n";
    const string ExchangeGreeting = "* OK The Microsoft Exchange IMAP4 service is ready. [TQBCAFgAMQA=]\r\n";

    static readonly (string, string)[] DovecotSession =
    [
        ("AUTHENTICATE", "{tag} OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE LITERAL+] Logged in\r\n"),
        ("LIST \"\" \"\"", "* LIST (\\Noselect) \"/\" \"\"\r\n{tag} OK List completed (0.001 + 0.000 secs).\r\n"),
        ("LIST \"\" \"INBOX\"", "* LIST (\\HasNoChildren) \"/\" INBOX\r\n{tag} OK List completed (0.001 + 0.000 secs).\r\n"),
        ("EXAMINE INBOX", "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1764300000] UIDs valid\r\n* OK [UIDNEXT 1] Predicted next UID\r\n{tag} OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).\r\n"),
        ("NOOP", "{tag} OK NOOP completed (0.001 + 0.000 secs).\r\n"),
        ("UID SEARCH", "* SEARCH\r\n{tag} OK Search completed (0.001 + 0.000 secs).\r\n"),
        ("LOGOUT", "* BYE Logging out\r\n{tag} OK Logout completed (0.001 + 0.000 secs).\r\n"),
    ];

    static readonly (string, string)[] ExchangeSession =
    [
        ("CAPABILITY", "* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=NTLM SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\n{tag} OK CAPABILITY completed.\r\n"),
        ("AUTHENTICATE", "{tag} OK AUTHENTICATE completed.\r\n"),
        ("NAMESPACE", "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n{tag} OK NAMESPACE completed.\r\n"),
        ("LIST \"\" \"INBOX\"", "* LIST (\\Marked \\HasNoChildren) \"/\" INBOX\r\n{tag} OK LIST completed.\r\n"),
        ("EXAMINE INBOX", "* 0 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)\r\n* OK [PERMANENTFLAGS ()] Permanent flags\r\n* OK [UIDVALIDITY 14] UIDVALIDITY value\r\n* OK [UIDNEXT 1] The next unique identifier value\r\n{tag} OK [READ-ONLY] EXAMINE completed.\r\n"),
        ("UID SEARCH", "* SEARCH\r\n{tag} OK SEARCH completed.\r\n"),
        ("LOGOUT", "* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n{tag} OK LOGOUT completed.\r\n"),
    ];

    [Fact]
    public async Task A_dovecot_session_passes_every_phase_of_the_customer_touch_point()
    {
        var stream = new TranscriptStream(DovecotGreeting, DovecotSession);
        var result = await new ImapCtpProbe(TimeProvider.System, Builders.Monitor(new ProbeOptions()), new Replay(stream)).RunAsync(Cas(), default);

        Assert.True(result.Succeeded, result.Summary);
        stream.AssertPlayedThrough();
        Assert.Equal([ProbePhase.Connect, ProbePhase.Greeting, ProbePhase.Auth, ProbePhase.Select, ProbePhase.Command, ProbePhase.Logout], result.PhaseLatencyMs.Keys.Order());
        Assert.Contains(stream.Commands, c => c.StartsWith("AUTHENTICATE PLAIN ", StringComparison.Ordinal));
        Assert.Contains("EXAMINE INBOX", stream.Commands);
        Assert.Contains(stream.Commands, c => c.StartsWith("UID SEARCH", StringComparison.Ordinal));
        Assert.Equal("MBX1", result.MailboxServer);
    }

    [Theory]
    [InlineData("dovecot-ctp-through-proxy", ImapHealthModel.CtpProbe)]
    [InlineData("dovecot-deep-test", ImapHealthModel.DeepTestProbe)]
    [InlineData("dovecot-self-test", ImapHealthModel.SelfTestProbe)]
    public async Task A_conversation_captured_from_the_labs_dovecot_replays_command_for_command(string name, string probeName)
    {
        var (greeting, replies) = Transcript.Read(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Probes", "Transcripts", $"{name}.txt")));
        var stream = new TranscriptStream(greeting, replies);
        var options = Builders.Monitor(new ProbeOptions());
        IImapProbe probe = probeName switch
        {
            ImapHealthModel.CtpProbe => new ImapCtpProbe(TimeProvider.System, options, new Replay(stream)),
            ImapHealthModel.DeepTestProbe => new ImapDeepTestProbe(TimeProvider.System, options, new Replay(stream)),
            _ => new ImapSelfTestProbe(TimeProvider.System, options, new Replay(stream)),
        };

        var result = await probe.RunAsync(probeName == ImapHealthModel.CtpProbe ? Cas() : Mailbox(), default);

        Assert.True(result.Succeeded, result.Summary);
        stream.AssertPlayedThrough();
    }

    [Fact]
    public async Task An_exchange_session_without_capabilities_in_its_greeting_passes_the_deep_test()
    {
        // The deep test logs in and opens INBOX; it does not search (that is the customer touch point's).
        var stream = new TranscriptStream(ExchangeGreeting, [.. ExchangeSession.Where(r => r.Item1 != "UID SEARCH")]);
        var result = await new ImapDeepTestProbe(TimeProvider.System, Builders.Monitor(new ProbeOptions()), new Replay(stream)).RunAsync(Mailbox(), default);

        Assert.True(result.Succeeded, result.Summary);
        stream.AssertPlayedThrough();
        Assert.Equal("CAPABILITY", stream.Commands[0]);
    }

    [Fact]
    public async Task A_refused_connection_fails_at_connect_in_the_network_area()
    {
        var transport = new Replay(() => throw new SocketException((int)SocketError.ConnectionRefused));
        var result = await new ImapSelfTestProbe(TimeProvider.System, Builders.Monitor(new ProbeOptions()), transport).RunAsync(Mailbox(), default);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Connect, DependencyArea.Network), (result.Result, result.FailedPhase, result.DependencyArea));
        Assert.Contains("Connection refused", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_text_answer_to_a_tls_endpoint_fails_at_tls()
    {
        var result = await Probe(DovecotGreeting, DovecotSession, security: ImapSecurity.Tls);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Tls, DependencyArea.TLS), (result.Result, result.FailedPhase, result.DependencyArea));
    }

    [Fact]
    public async Task A_greeting_that_says_bye_fails_at_the_greeting()
    {
        var result = await Probe("* BYE Disconnected for inactivity.\r\n", []);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Greeting), (result.Result, result.FailedPhase));
    }

    [Fact]
    public async Task A_refused_login_is_an_authentication_failure_with_its_response_code()
    {
        var result = await Probe(DovecotGreeting, ("AUTHENTICATE", "{tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"));

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Auth, "AUTHENTICATIONFAILED", DependencyArea.Authentication), (result.Result, result.FailedPhase, result.ResponseCode, result.DependencyArea));
        Assert.Equal("NO [AUTHENTICATIONFAILED] Authentication failed.", result.Error);
        Assert.DoesNotContain(Password, result.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AUTHENTICATE", "{tag} NO [AUTHENTICATIONFAILED] Authentication \u001b]0;owned\u0007failed \u001b[2J.\r\n")]
    [InlineData("EXAMINE INBOX", "{tag} NO Mailbox \u001b[31mbusy\u0008\u0008\u0008\u0000 now.\r\n")]
    public async Task A_servers_terminal_escapes_and_control_characters_never_reach_the_result(string command, string answer)
    {
        // Outside text reaches the logs, the ledger and the console: an escape sequence could rewrite an operator's terminal.
        var result = await Probe(DovecotGreeting, [.. DovecotSession.TakeWhile(s => s.Item1 != command), (command, answer)]);

        Assert.Equal(ProbeOutcome.Failed, result.Result);
        Assert.DoesNotContain(result.Error!, char.IsControl);
        Assert.DoesNotContain(result.Summary, char.IsControl);
        Assert.Contains(command == "AUTHENTICATE" ? "Authentication ]0;owned" : "Mailbox [31mbusy", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proxy_that_cannot_reach_its_back_end_is_a_proxy_failure()
    {
        var result = await Probe(DovecotGreeting, ("AUTHENTICATE", "{tag} NO [UNAVAILABLE] Account is temporarily unavailable.\r\n"));

        Assert.Equal((ProbePhase.Auth, "UNAVAILABLE", DependencyArea.Proxy), (result.FailedPhase, result.ResponseCode, result.DependencyArea));
    }

    [Fact]
    public async Task An_exchange_proxy_error_names_the_mailbox_server_behind_the_probe_mailbox()
    {
        var result = await Probe(ExchangeGreeting, [ExchangeSession[0], ("AUTHENTICATE", "{tag} NO [UNAVAILABLE] User is authenticated but not connected. _Mbx:MBX2.contoso.com\r\n")]);

        Assert.Equal((ProbePhase.Auth, DependencyArea.Proxy, "MBX2.contoso.com"), (result.FailedPhase, result.DependencyArea, result.MailboxServer));
    }

    [Fact]
    public async Task A_mailbox_that_cannot_be_opened_is_a_store_failure_at_select()
    {
        var result = await Probe(DovecotGreeting, [.. DovecotSession.Where(r => r.Item1 != "EXAMINE INBOX"), ("EXAMINE INBOX", "{tag} NO [SERVERBUG] Internal error occurred. Refer to server log for more information.\r\n")]);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Select, "SERVERBUG", DependencyArea.Store), (result.Result, result.FailedPhase, result.ResponseCode, result.DependencyArea));
    }

    [Fact]
    public async Task A_connection_closed_in_the_middle_of_a_command_fails_that_phase()
    {
        var result = await Probe(DovecotGreeting, [.. DovecotSession.Where(r => r.Item1 != "EXAMINE INBOX"), ("EXAMINE INBOX", TranscriptStream.Hangup)]);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Select, DependencyArea.Store), (result.Result, result.FailedPhase, result.DependencyArea));
        Assert.Contains("closed the connection", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_read_command_is_a_store_failure_at_command()
    {
        var result = await Probe(DovecotGreeting, [("UID SEARCH", "{tag} NO [SERVERBUG] Search failed.\r\n"), .. DovecotSession]);

        Assert.Equal((ProbeOutcome.Failed, ProbePhase.Command, "SERVERBUG"), (result.Result, result.FailedPhase, result.ResponseCode));
    }

    [Fact]
    public async Task A_server_that_stops_answering_mid_command_times_out_in_that_phase()
    {
        var result = await Probe(DovecotGreeting, [("UID SEARCH", TranscriptStream.Silence), .. DovecotSession], timeout: TimeSpan.FromMilliseconds(300));

        Assert.Equal((ProbeOutcome.TimedOut, ProbePhase.Command, DependencyArea.Store), (result.Result, result.FailedPhase, result.DependencyArea));
    }

    [Fact]
    public async Task A_server_that_never_answers_logout_still_passes_because_every_user_facing_phase_did()
    {
        // MailKit gives up on an unanswered LOGOUT quietly; the session had already proved the service. Logout is timed,
        // never a failure phase. The timeout bounds the whole session: 2 s, so a busy machine never times out the phases
        // before LOGOUT (300 ms did, under the end-to-end suite's load).
        var result = await Probe(DovecotGreeting, [("LOGOUT", TranscriptStream.Silence), .. DovecotSession], timeout: TimeSpan.FromSeconds(2));

        Assert.Equal(ProbeOutcome.Succeeded, result.Result);
        Assert.True(result.PhaseLatencyMs.ContainsKey(ProbePhase.Logout));
    }

    static Task<ProbeResult> Probe(string greeting, params (string, string)[] replies) => Probe(greeting, replies, ImapSecurity.None);

    static Task<ProbeResult> Probe(string greeting, (string, string)[] replies, ImapSecurity security = ImapSecurity.None, TimeSpan? timeout = null)
    {
        var options = Builders.Monitor(new ProbeOptions { Timeout = timeout ?? TimeSpan.FromSeconds(5) });
        return new ImapCtpProbe(TimeProvider.System, options, new Replay(new TranscriptStream(greeting, replies))).RunAsync(Cas(security), default);
    }

    static ExchangeServerOptions Cas(ImapSecurity security = ImapSecurity.None) => new()
    {
        Name = "CAS1",
        Role = ServerRole.ClientAccess,
        FrontEnd = new() { Host = "cas1.contoso.com", Port = 993, Security = security },
        ProbeMailbox = new() { User = "probe@contoso.com", Password = Password, MailboxServer = "MBX1" },
    };

    static ExchangeServerOptions Mailbox() => new()
    {
        Name = "MBX1",
        Role = ServerRole.Mailbox,
        BackEnd = new() { Host = "mbx1.contoso.com", Port = 1993, Security = ImapSecurity.None },
        ProbeMailbox = new() { User = "probe@contoso.com", Password = Password },
    };

    sealed class Replay(Func<Stream> open) : ImapTransport
    {
        public Replay(Stream stream)
            : this(() => stream)
        {
        }

        public override Task<Stream> OpenAsync(ImapEndpointOptions endpoint, CancellationToken cancellationToken) => Task.FromResult(open());
    }
}
