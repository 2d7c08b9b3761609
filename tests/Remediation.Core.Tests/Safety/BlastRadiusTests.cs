using Remediation.AgentApi;
using Remediation.Imap;
using Remediation.Monitoring;
using Remediation.Safety;
using Remediation.Topology;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.Safety;

/// <summary>Each blast-radius rule, tried by what would break it.</summary>
public class BlastRadiusTests
{
    static readonly ExchangeServerOptions Cas1 = new() { Name = "CAS1", Role = ServerRole.ClientAccess, Site = "London" };
    static readonly ExchangeServerOptions Cas2 = new() { Name = "CAS2", Role = ServerRole.ClientAccess, Site = "London" };
    static readonly ExchangeServerOptions Both1 = new() { Name = "EX1", Role = ServerRole.Both, Site = "London", Dag = "DAG1" };
    static readonly ExchangeServerOptions Far = new() { Name = "CAS9", Role = ServerRole.ClientAccess, Site = "Paris" };

    static readonly DateTimeOffset Now = Start.AddMinutes(1);
    static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(5);

    static MonitorSnapshot Monitor(string server, HealthState state, DateTimeOffset? sampledAt = null) =>
        new(server, "ImapCTPMonitor", ImapHealthModel.ImapHealthSet, ImapServices.FrontEnd, state, Start, 0, 1, null, LastSampleAt: sampledAt ?? Start);

    static string? Rule(ExchangeServerOptions server, IEnumerable<ExchangeServerOptions> servers, Dictionary<string, HealthState[]> health) =>
        BlastRadius.LastHealthyCas(server, new TopologyOptions { Servers = [.. servers] }, name => health.TryGetValue(name, out var states) ? [.. states.Select(s => Monitor(name, s))] : [], Now, FreshFor).Refusal;

    [Fact]
    public void A_cas_seen_healthy_long_ago_and_not_probed_since_is_not_the_sites_healthy_cas()
    {
        var stale = BlastRadius.LastHealthyCas(Cas1, new TopologyOptions { Servers = [Cas1, Cas2] }, name => [Monitor(name, HealthState.Healthy, sampledAt: Now - TimeSpan.FromHours(1))], Now, FreshFor).Refusal;
        var fresh = BlastRadius.LastHealthyCas(Cas1, new TopologyOptions { Servers = [Cas1, Cas2] }, name => [Monitor(name, HealthState.Healthy, sampledAt: Now - TimeSpan.FromMinutes(4))], Now, FreshFor).Refusal;

        Assert.Contains("probed within 5 min", stale, StringComparison.Ordinal);
        Assert.Null(fresh);
    }

    [Fact]
    public void A_cas_may_restart_when_another_cas_of_its_site_was_probed_and_is_healthy()
    {
        Assert.Null(Rule(Cas1, [Cas1, Cas2], new() { ["CAS2"] = [HealthState.Healthy, HealthState.Healthy] }));
    }

    [Fact]
    public void A_healthy_cas_inside_a_maintenance_window_is_not_the_sites_healthy_peer()
    {
        var health = new Dictionary<string, HealthState[]> { ["CAS2"] = [HealthState.Healthy] };

        var refused = BlastRadius.LastHealthyCas(Cas1, new TopologyOptions { Servers = [Cas1, Cas2] }, name => health.TryGetValue(name, out var states) ? [.. states.Select(s => Monitor(name, s))] : [], Now, FreshFor, inWindow: name => name == "CAS2").Refusal;

        Assert.Contains("last healthy Client Access server of site London", refused, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(HealthState.Unhealthy)]
    [InlineData(HealthState.Degraded)]
    [InlineData(HealthState.Repairing)]
    public void A_cas_never_probed_failing_or_under_repair_is_not_a_healthy_peer(HealthState? peer)
    {
        var health = peer is { } state ? new Dictionary<string, HealthState[]> { ["CAS2"] = [HealthState.Healthy, state] } : [];

        Assert.Contains("last healthy Client Access server of site London", Rule(Cas1, [Cas1, Cas2], health), StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_in_maintenance_or_in_another_site_does_not_count()
    {
        var inMaintenance = new ExchangeServerOptions { Name = "CAS2", Role = ServerRole.ClientAccess, Site = "London", InMaintenance = true };
        var health = new Dictionary<string, HealthState[]> { ["CAS2"] = [HealthState.Healthy], ["CAS9"] = [HealthState.Healthy] };

        Assert.NotNull(Rule(Cas1, [Cas1, inMaintenance, Far], health));
    }

    [Fact]
    public void A_multi_role_server_is_a_cas_too_and_a_multi_role_peer_counts_as_a_cas()
    {
        Assert.NotNull(Rule(Both1, [Both1], []));
        Assert.Null(Rule(Cas1, [Cas1, Both1], new() { ["EX1"] = [HealthState.Healthy] }));
    }

    [Fact]
    public void A_database_whose_only_other_copy_is_on_a_server_with_activation_disabled_is_left_alone()
    {
        var own = new DatabaseCopyStatus("MBX2", [new("DB1", "MBX2", "Mounted", 1), new("DB2", "MBX2", "Mounted", 1)]);
        var drainedPeer = new DatabaseCopyStatus("MBX1", [new("DB1", "MBX1", "Healthy", 2), new("DB2", "MBX1", "Healthy", 2)], ActivationDisabled: true);
        var thirdPeer = new DatabaseCopyStatus("MBX3", [new("DB2", "MBX3", "Healthy", 3)], ActivationDisabled: false);

        Assert.Equal(["DB1"], BlastRadius.DatabasesLeftAlone(own, [drainedPeer, thirdPeer]));
        // Which copies take the load, by the same rule: DB2 on MBX3 only (MBX1's activation is disabled).
        Assert.Equal(["DB2 on MBX3"], BlastRadius.WhereDatabasesGo(own, [drainedPeer, thirdPeer]));
        Assert.Equal(["DB1 on MBX1", "DB2 on MBX1 or MBX3"], BlastRadius.WhereDatabasesGo(own, [drainedPeer with { ActivationDisabled = false }, thirdPeer]));
    }

    [Theory]
    [InlineData("Healthy", false)]
    [InlineData("Mounted", false)]
    [InlineData("Failed", true)]
    [InlineData("ServiceDown", true)]
    [InlineData("Dismounting", true)]
    [InlineData("Resynchronizing", true)]
    public void Only_a_healthy_or_mounted_copy_elsewhere_keeps_a_database_available(string status, bool alone)
    {
        var own = new DatabaseCopyStatus("MBX2", [new("DB1", "MBX2", "Mounted", 1)]);
        var peer = new DatabaseCopyStatus("MBX1", [new("DB1", "MBX1", status, 2)]);

        Assert.Equal(alone, BlastRadius.DatabasesLeftAlone(own, [peer]).Count == 1);
    }

    [Theory]
    [InlineData("Blocked", true)]
    [InlineData("IntrasiteOnly", false)]
    [InlineData("Unrestricted", false)]
    public void A_peer_whose_activation_an_administrator_blocked_is_no_place_for_a_database(string policy, bool alone)
    {
        var own = new DatabaseCopyStatus("MBX2", [new("DB1", "MBX2", "Mounted", 1)]);
        var peer = new DatabaseCopyStatus("MBX1", [new("DB1", "MBX1", "Healthy", 2)], ActivationDisabled: false, AutoActivationPolicy: policy);

        Assert.Equal(alone, BlastRadius.DatabasesLeftAlone(own, [peer]).Count == 1);
    }
}
