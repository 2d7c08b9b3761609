namespace Remediation.Lab;

/// <summary>
/// The simulated organisation's IMAP side: mailbox servers (Dovecot back ends) and CAS servers (Dovecot proxies). A
/// name in both lists is one multi-role server running both.
/// </summary>
public sealed record LabDefinition(IReadOnlyList<LabMailboxServer> MailboxServers, IReadOnlyList<string> ClientAccessServers)
{
    /// <summary>IMAPS listeners (ports) per Dovecot process: many endpoints without many processes (benchmarks).</summary>
    public int ImapsListeners { get; init; } = 1;

    /// <summary>
    /// Dovecot tuned for many short logins: long-lived login processes (<c>service_count = 0</c>) and pre-forked
    /// login and imap processes (<c>process_min_avail</c>), instead of a fork per login. Benchmarks only: the
    /// default lab keeps Dovecot's own defaults, which are what a real server's costs look like.
    /// </summary>
    public bool TunedForLogins { get; init; }

    /// <summary>One mailbox server and one CAS: the smallest lab that exercises every probe path.</summary>
    public static LabDefinition Minimal { get; } = new([new LabMailboxServer("MBX1", "probe_mbx1", "Passw0rd-mbx1")], ["CAS1"]);

    /// <summary>
    /// Two mailbox servers (one DAG) and two CAS proxies in front of them, in one site: each CAS is the other's peer for
    /// the "never the last healthy CAS" rule, and is really probed.
    /// </summary>
    public static LabDefinition Default { get; } = new(
        [new LabMailboxServer("MBX1", "probe_mbx1", "Passw0rd-mbx1"), new LabMailboxServer("MBX2", "probe_mbx2", "Passw0rd-mbx2")],
        ["CAS1", "CAS2"]);

    /// <summary>
    /// Exchange 2016 and later, where every server holds both roles: EX1 and EX2 each run a back end and a proxy under
    /// one name, in one DAG and one site (the proxies route to either back end, as Exchange's front end does).
    /// </summary>
    public static LabDefinition MultiRole { get; } = new(
        [new LabMailboxServer("EX1", "probe_ex1", "Passw0rd-ex1"), new LabMailboxServer("EX2", "probe_ex2", "Passw0rd-ex2")],
        ["EX1", "EX2"]);

    /// <summary>True when <paramref name="name"/> is both a mailbox server and a CAS: one server, two IMAP4 services.</summary>
    public bool HoldsBothRoles(string name) =>
        MailboxServers.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        && ClientAccessServers.Any(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every server's name once, mailbox servers first (a multi-role server is one server).</summary>
    public IEnumerable<string> ServerNames =>
        MailboxServers.Select(s => s.Name).Concat(ClientAccessServers).Distinct(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A mailbox server and the probe mailbox it hosts.</summary>
public sealed record LabMailboxServer(string Name, string ProbeUser, string ProbePassword);
