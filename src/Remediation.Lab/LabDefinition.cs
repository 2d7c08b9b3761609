namespace Remediation.Lab;

/// <summary>The simulated organisation's IMAP side: mailbox servers (Dovecot back ends) and CAS servers (Dovecot proxies).</summary>
public sealed record LabDefinition(IReadOnlyList<LabMailboxServer> MailboxServers, IReadOnlyList<string> ClientAccessServers)
{
    /// <summary>One mailbox server and one CAS: the smallest lab that exercises every probe path.</summary>
    public static LabDefinition Minimal { get; } = new([new LabMailboxServer("MBX1", "probe_mbx1", "Passw0rd-mbx1")], ["CAS1"]);

    /// <summary>Two mailbox servers (one DAG) and one CAS in front of them.</summary>
    public static LabDefinition Default { get; } = new(
        [new LabMailboxServer("MBX1", "probe_mbx1", "Passw0rd-mbx1"), new LabMailboxServer("MBX2", "probe_mbx2", "Passw0rd-mbx2")],
        ["CAS1"]);
}

/// <summary>A mailbox server and the probe mailbox it hosts.</summary>
public sealed record LabMailboxServer(string Name, string ProbeUser, string ProbePassword);
