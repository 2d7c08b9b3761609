using System.Text.Json;

namespace Remediation.Alerts;

/// <summary>The one JSON shape of an <see cref="Alert"/> on every queue.</summary>
public static class AlertJson
{
    /// <summary>Serializer options shared by publishers and the pump.</summary>
    public static JsonSerializerOptions Options => JsonDefaults.Options;

    /// <summary>Alert to UTF-8 JSON.</summary>
    public static BinaryData Serialize(Alert alert) => BinaryData.FromObjectAsJson(alert, Options);

    /// <summary>UTF-8 JSON to alert, or an error naming what is wrong (the pump dead-letters with it).</summary>
    public static (Alert? Alert, string? Error) Deserialize(BinaryData body)
    {
        Alert? alert;
        try
        {
            alert = body.ToObjectFromJson<Alert>(Options);
        }
        catch (JsonException ex)
        {
            return (null, $"Body is not an alert: {ex.Message}");
        }

        return alert switch
        {
            null => (null, "Body is empty."),
            { AlertId: null or "" } => (null, "alertId is missing."),
            { Server: null or "" } => (null, "server is missing."),
            { HealthSet: null or "" } => (null, "healthSet is missing."),
            _ => (alert, null),
        };
    }
}
