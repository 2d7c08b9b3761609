using System.Text.Json;
using Remediation.Imap;
using Remediation.Topology;

namespace Remediation.Alerts;

/// <summary>What the webhook made of a payload: an alert to queue, a payload to ignore (and why), or errors by field.</summary>
public sealed record WebhookResult(Alert? Alert, string? Ignored, IReadOnlyDictionary<string, string[]> Errors)
{
    /// <summary>True when the payload was refused.</summary>
    public bool IsInvalid => Errors.Count > 0;
}

/// <summary>
/// Turns what alerting systems post into an <see cref="Alert"/>: Azure Monitor's common alert schema, a SCOM command
/// notification channel's fields, or plain JSON. Shared by both hosts' POST /api/alerts.
/// </summary>
public static class AlertWebhook
{
    /// <summary>Largest body accepted (Azure Monitor caps log alert payloads at 256 KB).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Parses <paramref name="body"/>; the server must be one of <paramref name="topology"/>'s.</summary>
    public static WebhookResult Parse(ReadOnlySpan<byte> body, TopologyOptions topology, TimeProvider time)
    {
        if (body.Length > MaxBodyBytes)
        {
            return Invalid("body", $"The body is larger than {MaxBodyBytes / 1024} KB.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            return Invalid("body", $"The body is not JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid("body", "The body must be a JSON object.");
            }

            return Text(root, "schemaId") == "azureMonitorCommonAlertSchema" ? AzureMonitor(root, topology, time)
                : Has(root, "MonitoringObjectName") ? Scom(root, topology, time)
                : Generic(root, topology, time);
        }
    }

    static WebhookResult AzureMonitor(JsonElement root, TopologyOptions topology, TimeProvider time)
    {
        if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("essentials", out var essentials))
        {
            return Invalid("data.essentials", "data.essentials is required by the common alert schema.");
        }

        if (Text(essentials, "monitorCondition") is { } condition && !string.Equals(condition, "Fired", StringComparison.OrdinalIgnoreCase))
        {
            return new(null, $"monitorCondition is {condition}: only a fired alert starts a remediation.", NoErrors);
        }

        data.TryGetProperty("customProperties", out var custom);
        var items = essentials.TryGetProperty("configurationItems", out var ci) && ci.ValueKind == JsonValueKind.Array
            ? ci.EnumerateArray().Select(i => i.GetString()).OfType<string>().ToList()
            : [];
        var rule = Text(essentials, "alertRule") ?? "";
        return Build(
            topology,
            alertId: ("data.essentials.alertId", Text(essentials, "alertId")),
            server: ("data.customProperties.server", Text(custom, "server") ?? items.FirstOrDefault(i => Known(topology, i) is not null) ?? items.FirstOrDefault()),
            healthSet: ("data.customProperties.healthSet", Text(custom, "healthSet") ?? HealthSetIn(rule)),
            monitor: Text(custom, "monitor") ?? MonitorIn(rule + " " + Text(essentials, "description")),
            source: "AzureMonitor",
            description: Text(essentials, "description") ?? rule,
            raisedAt: Time(Text(essentials, "firedDateTime")) ?? time.GetUtcNow());
    }

    static WebhookResult Scom(JsonElement root, TopologyOptions topology, TimeProvider time)
    {
        var name = Text(root, "Name") ?? "";
        var description = Text(root, "Description");
        return Build(
            topology,
            alertId: ("AlertId", Text(root, "AlertId")),
            server: ("MonitoringObjectName", Text(root, "MonitoringObjectName")),
            healthSet: ("Name", Text(root, "HealthSet") ?? HealthSetIn(name) ?? HealthSetIn(description ?? "")),
            monitor: Text(root, "Monitor") ?? MonitorIn(name + " " + description),
            source: "Scom",
            description: description ?? name,
            raisedAt: Time(Text(root, "TimeRaised")) ?? time.GetUtcNow());
    }

    static WebhookResult Generic(JsonElement root, TopologyOptions topology, TimeProvider time) => Build(
        topology,
        alertId: ("alertId", Text(root, "alertId")),
        server: ("server", Text(root, "server")),
        healthSet: ("healthSet", Text(root, "healthSet")),
        monitor: Text(root, "monitor"),
        source: "Generic",
        description: Text(root, "description"),
        raisedAt: Time(Text(root, "raisedAt")) ?? time.GetUtcNow());

    static WebhookResult Build(
        TopologyOptions topology,
        (string Field, string? Value) alertId,
        (string Field, string? Value) server,
        (string Field, string? Value) healthSet,
        string? monitor,
        string source,
        string? description,
        DateTimeOffset raisedAt)
    {
        var errors = new Dictionary<string, string[]>();
        if (alertId.Value is not { Length: > 0 and <= 256 })
        {
            errors[alertId.Field] = [$"{alertId.Field} is required (at most 256 characters): it is the duplicate-detection key."];
        }
        else if (alertId.Value.Any(char.IsControl))
        {
            // CR, LF or NUL would forge lines in the logs and the console that print it.
            errors[alertId.Field] = [$"{alertId.Field} must not contain control characters (CR, LF, NUL...)."];
        }

        var known = server.Value is null ? null : Known(topology, server.Value);
        if (known is null)
        {
            errors[server.Field] = [server.Value is null
                ? $"{server.Field} is required: the Exchange server the alert is about."
                : $"{server.Field} '{Trim(server.Value)}' is not a server in the configured topology."];
        }

        var set = healthSet.Value is null ? null
            : new[] { ImapHealthModel.ImapHealthSet, ImapHealthModel.ProxyHealthSet, ImapHealthModel.ProtocolHealthSet }.FirstOrDefault(h => string.Equals(h, healthSet.Value, StringComparison.OrdinalIgnoreCase));
        if (set is null)
        {
            errors[healthSet.Field] = [$"{healthSet.Field} must name an IMAP health set (IMAP, IMAP.Proxy, IMAP.Protocol){(healthSet.Value is null ? "" : $", not '{Trim(healthSet.Value)}'")}."];
        }

        var definition = monitor is null ? null : ImapHealthModel.FindMonitor(monitor);
        if (monitor is not null && definition is null)
        {
            errors["monitor"] = [$"monitor '{Trim(monitor)}' is not an IMAP monitor."];
        }

        if (errors.Count > 0)
        {
            return new(null, null, errors);
        }

        var alert = new Alert(alertId.Value!, known!, set!, definition?.Name, source, description is null ? null : Trim(description, 2000), raisedAt);
        return new(alert, null, NoErrors);
    }

    /// <summary>The configured name of <paramref name="server"/>: exact, or an FQDN the topology knows (<see cref="TopologyOptions.FindByHint"/>).</summary>
    static string? Known(TopologyOptions topology, string server) => topology.FindByHint(server)?.Name;

    static string? HealthSetIn(string text) =>
        text.Contains("IMAP.Protocol", StringComparison.OrdinalIgnoreCase) ? ImapHealthModel.ProtocolHealthSet
        : text.Contains("IMAP.Proxy", StringComparison.OrdinalIgnoreCase) ? ImapHealthModel.ProxyHealthSet
        : text.Contains("IMAP", StringComparison.OrdinalIgnoreCase) ? ImapHealthModel.ImapHealthSet
        : null;

    static string? MonitorIn(string text) =>
        ImapHealthModel.Monitors.FirstOrDefault(m => text.Contains(m.Name, StringComparison.OrdinalIgnoreCase))?.Name;

    static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static bool Has(JsonElement element, string property) => element.TryGetProperty(property, out _);

    static DateTimeOffset? Time(string? value) =>
        DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    static string Trim(string value, int max = 100) => value.Length > max ? value[..max] + "…" : value;

    static WebhookResult Invalid(string field, string message) => new(null, null, new Dictionary<string, string[]> { [field] = [message] });

    static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();
}
