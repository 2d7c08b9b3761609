using Remediation.Storage;

namespace Remediation.Core.Tests.Runs;

public sealed class StorageOptionsTests
{
    [Fact]
    public void An_account_name_alone_configures_storage_through_an_identity()
    {
        var options = new StorageOptions { AccountName = "stimaprem01", ManagedIdentityClientId = "00000000-0000-0000-0000-000000000001" };

        var client = options.CreateTableServiceClient();

        Assert.True(options.IsConfigured);
        Assert.Equal(new Uri("https://stimaprem01.table.core.windows.net/"), client.Uri);
        Assert.Equal("stimaprem01", client.AccountName);
    }

    [Fact]
    public void Nothing_set_means_in_memory_and_a_connection_string_wins_over_an_account_name()
    {
        var local = new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", AccountName = "ignored" };

        Assert.False(new StorageOptions().IsConfigured);
        Assert.Equal("devstoreaccount1", local.CreateTableServiceClient().AccountName);
    }
}
