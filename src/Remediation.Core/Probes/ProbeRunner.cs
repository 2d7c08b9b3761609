using System.Diagnostics;
using Microsoft.Extensions.Options;
using Remediation.Telemetry;
using Remediation.Topology;

namespace Remediation.Probes;

/// <summary>Runs a named probe against a named server (what Invoke-MonitoringProbe does), with telemetry.</summary>
public sealed class ProbeRunner(IEnumerable<IImapProbe> probes, IOptionsMonitor<TopologyOptions> topology)
{
    readonly IReadOnlyList<IImapProbe> probes = [.. probes];

    /// <summary>Every probe that applies to <paramref name="server"/>.</summary>
    public IEnumerable<IImapProbe> ProbesFor(ExchangeServerOptions server) => probes.Where(p => p.AppliesTo(server));

    /// <summary>
    /// The server and probe implementation <paramref name="server"/> and <paramref name="probe"/> name, or why there is
    /// none (an unknown server or probe, or a probe that does not apply to the server's role).
    /// </summary>
    public (ExchangeServerOptions Server, IImapProbe Probe)? Find(string server, string probe, out string? why)
    {
        var target = topology.CurrentValue.Find(server);
        var implementation = probes.FirstOrDefault(p => string.Equals(p.Name, probe, StringComparison.OrdinalIgnoreCase));
        why = target is null ? $"Server '{server}' is not in the configured topology."
            : implementation is null ? $"Probe '{probe}' is not one of: {string.Join(", ", probes.Select(p => p.Name))}."
            : !implementation.AppliesTo(target) ? $"Probe '{probe}' does not apply to server '{server}' (role {target.Role})."
            : null;
        return why is null ? (target!, implementation!) : null;
    }

    /// <summary>
    /// Runs <paramref name="probe"/> on <paramref name="server"/>; throws <see cref="ArgumentException"/> naming what is
    /// unknown. The mailbox server the result names is a topology name: an FQDN <c>_Mbx:</c> hint is mapped, an unknown
    /// one gives way to the configured probe mailbox server.
    /// </summary>
    public async Task<ProbeResult> RunAsync(string server, string probe, CancellationToken cancellationToken)
    {
        var found = Find(server, probe, out var why) ?? throw new ArgumentException(why, nameof(probe));
        var result = await RunAsync(found.Server, found.Probe, cancellationToken);
        return result.MailboxServer is { } hint
            ? result with { MailboxServer = topology.CurrentValue.FindByHint(hint)?.Name ?? found.Server.ProbeMailbox?.MailboxServer }
            : result;
    }

    /// <summary>Runs one probe with a span and metrics around it.</summary>
    public static async Task<ProbeResult> RunAsync(ExchangeServerOptions server, IImapProbe probe, CancellationToken cancellationToken)
    {
        using var span = RemediationTelemetry.Source.StartActivity($"probe {probe.Name}", ActivityKind.Client);
        span?.SetTag("exchange.server", server.Name);
        var result = await probe.RunAsync(server, cancellationToken);
        var tags = new TagList { { "probe", result.Probe }, { "server", result.Server }, { "result", result.Result.ToString() } };
        RemediationTelemetry.ProbeLatency.Record(result.LatencyMs, tags);
        if (!result.Succeeded)
        {
            RemediationTelemetry.ProbeFailures.Add(1, new TagList { { "probe", result.Probe }, { "server", result.Server }, { "phase", result.FailedPhase?.ToString() }, { "area", result.DependencyArea?.ToString() } });
            span?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        span?.SetTag("probe.result", result.Result.ToString());
        return result;
    }
}
