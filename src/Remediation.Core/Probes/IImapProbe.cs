using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>One of the IMAP health sets' probes (ImapCTPProbe, ImapProxyTestProbe, ImapDeepTestProbe, ImapSelfTestProbe).</summary>
public interface IImapProbe
{
    /// <summary>The probe's Managed Availability name.</summary>
    string Name { get; }

    /// <summary>True when the probe logs in with the probe mailbox (scheduled as <c>Login</c>); false for the self test.</summary>
    bool LogsIn { get; }

    /// <summary>True when this probe applies to <paramref name="server"/> (by role and configured endpoints).</summary>
    bool AppliesTo(ExchangeServerOptions server);

    /// <summary>Runs the probe once. Never throws for a probe failure: the result says what failed.</summary>
    Task<ProbeResult> RunAsync(ExchangeServerOptions server, CancellationToken cancellationToken);
}
