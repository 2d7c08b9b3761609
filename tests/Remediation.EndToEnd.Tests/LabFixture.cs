using Remediation.Lab;

namespace Remediation.EndToEnd.Tests;

/// <summary>A minimal lab (one mailbox server, one CAS) shared by a test class; every test leaves it as it found it.</summary>
public sealed class LabFixture : IAsyncLifetime
{
    string directory = "";

    public ImapLab Lab { get; private set; } = null!;

    public DovecotInstance Mbx1 => Lab.MailboxServers["MBX1"];

    public async Task InitializeAsync()
    {
        directory = LabRoot.NewDirectory("lab");
        Lab = await ImapLab.StartAsync(LabDefinition.Minimal, directory);
    }

    /// <summary>Restarts anything a test stopped.</summary>
    public async Task HealAsync()
    {
        foreach (var instance in Lab.Instances.Where(i => !i.IsRunning))
        {
            await instance.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await Lab.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}
