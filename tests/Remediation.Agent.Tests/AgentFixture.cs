using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Remediation.Agent.Operations;
using Remediation.Exchange;
using Remediation.Lab;
using Remediation.Lab.Agent;

namespace Remediation.Agent.Tests;

/// <summary>The real agent on Kestrel (127.0.0.1, kernel-chosen port) over a lab of real Dovecot processes.</summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public const string KeyId = "k1";
    public static readonly string Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    string directory = "";

    public ImapLab Lab { get; private set; } = null!;

    public WebApplication App { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public CountingExecutor Executions { get; private set; } = null!;

    public string AuditPath => Path.Combine(directory, "audit.jsonl");

    public string StatePath => Path.Combine(directory, "agent-state.db");

    public async Task InitializeAsync()
    {
        var root = Environment.GetEnvironmentVariable("REMEDIATION_LAB_ROOT") ?? Path.GetTempPath();
        directory = Directory.CreateDirectory(Path.Combine(root, $"agent-{Guid.NewGuid():N}"[..14])).FullName;
        Lab = await ImapLab.StartAsync(LabDefinition.Default, Path.Combine(directory, "lab"));
        await StartAgentAsync();
    }

    /// <summary>Stops the agent process's web application and starts a new one on the same state and audit files (a service restart).</summary>
    public async Task RestartAgentAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await StartAgentAsync();
    }

    async Task StartAgentAsync()
    {
        App = Build(AuditPath, StatePath, null);
        await App.StartAsync();
        Address = new Uri(App.Urls.First());
        Executions = App.Services.GetRequiredService<CountingExecutor>();
    }

    /// <summary>Another agent on the same lab, with its own audit and state in <paramref name="folder"/> and <paramref name="settings"/> over the defaults; the caller stops it.</summary>
    public async Task<WebApplication> StartOtherAgentAsync(string folder, IDictionary<string, string?> settings)
    {
        var app = Build(Path.Combine(folder, "audit.jsonl"), Path.Combine(folder, "agent-state.db"), settings);
        await app.StartAsync();
        return app;
    }

    WebApplication Build(string auditPath, string statePath, IDictionary<string, string?>? more) => LabAgent.Build(Lab, builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            [$"Agent:Keys:{KeyId}"] = Key,
            ["Agent:ManagedServers:0"] = "MBX1",
            ["Agent:ManagedServers:1"] = "MBX2",
            ["Agent:ManagedServers:2"] = "CAS1",
            ["Agent:AuditLogPath"] = auditPath,
            ["Agent:UnauthenticatedAuditPerMinute"] = "10000", // the tests' refused requests are all written (AuditTruthTests floods its own agent)
            ["Agent:StatePath"] = statePath,
            ["Agent:OperationTimeout"] = "00:00:03",
            ["Agent:Lab:BootDelay"] = "00:00:00.100",
            ["Agent:Lab:MoveDuration"] = "00:00:00",
        });
        builder.Configuration.AddInMemoryCollection(more ?? new Dictionary<string, string?>());
        builder.Services.AddSingleton<CountingExecutor>(sp => new CountingExecutor(ActivatorUtilities.CreateInstance<LabExchangeExecutor>(sp)));
        builder.Services.AddSingleton<IExchangeExecutor>(sp => sp.GetRequiredService<CountingExecutor>());
    });

    /// <summary>A signed client, as the engine uses it.</summary>
    public ExchangeAgentClient Client(string? keyId = null, string? key = null, Uri? address = null) => new(SignedHttp(keyId, key, address));

    public HttpClient SignedHttp(string? keyId = null, string? key = null, Uri? address = null)
    {
        var options = new AgentClientOptions { BaseAddress = address ?? Address, KeyId = keyId ?? KeyId, Key = key ?? Key };
        var handler = new AgentSigningHandler(new StaticMonitor<AgentClientOptions>(options), TimeProvider.System) { InnerHandler = new HttpClientHandler() };
        return new HttpClient(handler) { BaseAddress = address ?? Address };
    }

    public async Task HealAsync()
    {
        App.Services.GetRequiredService<LabFaults>().Clear();
        foreach (var instance in Lab.Instances.Where(i => !i.IsRunning))
        {
            await instance.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Lab.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    sealed class StaticMonitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}

[CollectionDefinition(nameof(AgentCollection))]
public sealed class AgentCollection : ICollectionFixture<AgentFixture>;
