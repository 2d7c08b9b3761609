using Microsoft.DurableTask.Converters;
using Remediation.Core.Tests;

namespace Remediation.Probes;

public sealed class DependencyAreaTests
{
    [Fact]
    public void Durable_history_keeps_the_area_as_the_word_it_always_was_so_runs_in_flight_replay_after_a_deploy()
    {
        var converter = JsonDataConverter.Default;
        var failed = Builders.Probe(succeeded: false) with { DependencyArea = DependencyArea.TLS };

        var json = converter.Serialize(failed)!;

        Assert.Contains("\"DependencyArea\":\"TLS\"", json, StringComparison.Ordinal);
        // What a run that began before the area was an enum wrote into its history.
        var written = json.Replace("\"DependencyArea\":\"TLS\"", "\"DependencyArea\":\"Proxy\"", StringComparison.Ordinal);
        Assert.Equal(DependencyArea.Proxy, converter.Deserialize<ProbeResult>(written)!.DependencyArea);
    }
}
