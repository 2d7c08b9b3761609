using System.Text.Json;
using System.Text.Json.Serialization;

namespace Remediation;

/// <summary>The one JSON shape of everything the product writes or sends: web naming, enums as their names.</summary>
public static class JsonDefaults
{
    /// <summary>Shared serializer options (queues, agent calls, audit log, escalations).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
