using Microsoft.Extensions.Options;

namespace Remediation.Agent.Tests;

/// <summary>Options that never change, for clients built by hand.</summary>
internal sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
