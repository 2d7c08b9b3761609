using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Remediation.Monitoring;
using Remediation.Probes;

namespace Remediation.EndToEnd.Tests.Probes;

/// <summary>A whole probe cycle through the engine's own registration, against real Dovecot and black holes.</summary>
public sealed class ProbeCycleTests(LabFixture fixture) : IClassFixture<LabFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fixture.HealAsync();

    public Task DisposeAsync() => fixture.HealAsync();

    static ServiceProvider Engine(IDictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => { if (logs is not null) { l.AddProvider(logs); } l.SetMinimumLevel(LogLevel.Trace); });
        services.AddRemediationEngine(configuration);
        return services.BuildServiceProvider();
    }

    void Server(Dictionary<string, string?> settings, int i, string name, int port, string security, string? password = null)
    {
        var at = string.Create(CultureInfo.InvariantCulture, $"Remediation:Topology:Servers:{i}");
        settings[$"{at}:Name"] = name;
        settings[$"{at}:Role"] = "Mailbox";
        settings[$"{at}:BackEnd:Host"] = "localhost";
        settings[$"{at}:BackEnd:Port"] = port.ToString(CultureInfo.InvariantCulture);
        settings[$"{at}:BackEnd:Security"] = security;
        settings[$"{at}:BackEnd:TrustedCaFile"] = fixture.Lab.Certificate.CaCertPath;
        if (password is not null)
        {
            settings[$"{at}:ProbeMailbox:User"] = "probe_mbx1";
            settings[$"{at}:ProbeMailbox:Password"] = password;
        }
    }

    [Fact]
    public async Task Fifty_endpoints_with_ten_black_holed_finish_in_about_one_timeout()
    {
        using var hole = new TcpTroublemaker(reset: false);
        // 5 s: forty real logins at once cost Dovecot ~1.5 s of CPU on two cores, so a 1 s timeout timed real probes out
        // on a busy machine (seen in CI: 37 of 50 TimedOut). The claim is about concurrency, not about a fast machine.
        var settings = new Dictionary<string, string?> { ["Remediation:Probes:Timeout"] = "00:00:05", ["Remediation:Probes:MaxConcurrency"] = "64" };
        for (var i = 0; i < 50; i++)
        {
            Server(settings, i, $"SRV{i:00}", i % 5 == 0 ? hole.Port : fixture.Mbx1.ImapPort, "None");
        }

        await using var engine = Engine(settings);
        var clock = Stopwatch.StartNew();
        var results = await engine.GetRequiredService<ProbeCycle>().RunAsync(default);
        clock.Stop();

        Assert.Equal(50, results.Count);
        Assert.Equal(10, results.Count(r => r.Result == ProbeOutcome.TimedOut));
        Assert.Equal(40, results.Count(r => r.Succeeded));

        // Serially the black holes alone would take 10 timeouts (50 s); together they take about one.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"cycle took {clock.Elapsed}");
    }

    [Fact]
    public async Task No_credential_appears_in_any_log_line_or_result()
    {
        const string secret = "Sup3r-S3cret-Pr0be-Pass";
        var logs = new CapturingLoggerProvider();
        var settings = new Dictionary<string, string?> { ["Remediation:Monitors:ConsecutiveFailures"] = "1" };
        Server(settings, 0, "MBX1", fixture.Mbx1.ImapsPort, "Tls", password: secret);

        await using var engine = Engine(settings, logs);
        var results = await engine.GetRequiredService<ProbeCycle>().RunAsync(default);

        Assert.Contains(results, r => r.ResponseCode == "AUTHENTICATIONFAILED");
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, System.Text.Json.JsonSerializer.Serialize(results), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, engine.GetRequiredService<Microsoft.Extensions.Options.IOptions<Remediation.Topology.TopologyOptions>>().Value.Servers[0].ProbeMailbox!.ToString(), StringComparison.Ordinal);
    }

    sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Lines)
                {
                    owner.Lines.Add($"{formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
