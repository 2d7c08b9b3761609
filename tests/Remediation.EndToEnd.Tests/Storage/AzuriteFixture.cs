using Remediation.Lab;

namespace Remediation.EndToEnd.Tests.Storage;

/// <summary>Azurite (blob, queue, table) for a test class, stopped by PID afterwards.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    AzuriteInstance? azurite;

    public string ConnectionString => azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync() => azurite = await AzuriteInstance.StartAsync(LabRoot.NewDirectory("azurite"));

    public async Task DisposeAsync()
    {
        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }
    }
}
