using Microsoft.Extensions.Options;
using Remediation.Alerts;
using Remediation.Imap;
using Remediation.Probes;

namespace Remediation.Core.Tests;

/// <summary>Test data builders.</summary>
internal static class Builders
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);

    public static ProbeResult Probe(bool succeeded, string server = "MBX1", string probe = ImapHealthModel.SelfTestProbe) => new(
        server, probe, ImapHealthModel.ProtocolHealthSet, "mbx1:1993", Start, 5, succeeded ? ProbeOutcome.Succeeded : ProbeOutcome.Failed,
        succeeded ? null : ProbePhase.Connect, null, succeeded ? null : "Connection refused", succeeded ? null : DependencyArea.Network, new Dictionary<ProbePhase, double>());

    public static Alert Alert(string id = "a1", string server = "MBX1", DateTimeOffset? at = null) =>
        new(id, server, ImapHealthModel.ProtocolHealthSet, "ImapSelfTestMonitor", "Probe", "failing", at ?? Start);

    public static IOptionsMonitor<T> Monitor<T>(T value) where T : class => new StaticOptionsMonitor<T>(value);

    sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T> where T : class
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
