using System.Text;
using Microsoft.Extensions.Time.Testing;
using Remediation.Alerts;
using Remediation.Topology;

namespace Remediation.Core.Tests.Alerts;

public class AlertWebhookTests
{
    static readonly TopologyOptions Topology = new()
    {
        Domains = ["contoso.local"],
        Servers =
        [
            new() { Name = "EXMBX01", Role = ServerRole.Mailbox, BackEnd = new() { Host = "exmbx01", Port = 1993 } },
            new() { Name = "EXCAS01", Role = ServerRole.ClientAccess, FrontEnd = new() { Host = "excas01", Port = 993 } },
        ],
    };

    static readonly FakeTimeProvider Time = new(Builders.Start);

    static WebhookResult Parse(string json) => AlertWebhook.Parse(Encoding.UTF8.GetBytes(json), Topology, Time);

    internal const string AzureMonitor = """
        {
          "schemaId": "azureMonitorCommonAlertSchema",
          "data": {
            "essentials": {
              "alertId": "/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330",
              "alertRule": "IMAP.Protocol unhealthy on mailbox servers",
              "severity": "Sev1",
              "signalType": "Log",
              "monitorCondition": "Fired",
              "monitoringService": "Log Analytics",
              "alertTargetIDs": ["/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/ops"],
              "configurationItems": ["exmbx01.contoso.local"],
              "originAlertId": "c6fdc2b6-0c3a-4d4e-9fd3-d3fd0b9f3e2b",
              "firedDateTime": "2026-11-27T02:58:24.3991763Z",
              "description": "ImapDeepTestMonitor is Unhealthy",
              "essentialsVersion": "1.0",
              "alertContextVersion": "1.1"
            },
            "alertContext": {},
            "customProperties": null
          }
        }
        """;

    [Fact]
    public void An_azure_monitor_common_schema_alert_becomes_an_alert_for_the_configured_server()
    {
        var result = Parse(AzureMonitor);

        var alert = result.Alert!;
        Assert.Equal(("EXMBX01", "IMAP.Protocol", "ImapDeepTestMonitor", "AzureMonitor"), (alert.Server, alert.HealthSet, alert.Monitor, alert.Source));
        Assert.EndsWith("b9569717-bc32-442f-add5-83a997729330", alert.AlertId, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 2, 58, 24, 399, TimeSpan.Zero).AddTicks(1763), alert.RaisedAt);
    }

    [Fact]
    public void A_resolved_azure_monitor_alert_is_ignored_not_queued()
    {
        var result = Parse(AzureMonitor.Replace("\"Fired\"", "\"Resolved\"", StringComparison.Ordinal));

        Assert.Null(result.Alert);
        Assert.False(result.IsInvalid);
        Assert.Contains("Resolved", result.Ignored, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scom_notification_becomes_an_alert()
    {
        var result = Parse("""
            {"AlertId":"{5E3C1F0B-9C2D-4C8B-9A55-7A1C2C7E0F11}","Name":"IMAP.Proxy health set unhealthy","MonitoringObjectName":"EXCAS01.contoso.local",
             "Severity":"2","Description":"ImapProxyTestMonitor: the IMAP proxy test failed.","TimeRaised":"2026-11-27T03:00:00Z"}
            """);

        Assert.Equal(("EXCAS01", "IMAP.Proxy", "ImapProxyTestMonitor", "Scom"), (result.Alert!.Server, result.Alert.HealthSet, result.Alert.Monitor, result.Alert.Source));
    }

    [Fact]
    public void A_plain_json_alert_without_a_monitor_is_accepted_and_the_run_asks_the_server()
    {
        var result = Parse("""{"alertId":"a-1","server":"excas01","healthSet":"imap"}""");

        Assert.Equal(("EXCAS01", "IMAP", null), (result.Alert!.Server, result.Alert.HealthSet, result.Alert.Monitor));
        Assert.Equal(Builders.Start, result.Alert.RaisedAt);
    }

    [Theory]
    [InlineData("not json", "body", "The body is not JSON")]
    [InlineData("[1,2]", "body", "The body must be a JSON object.")]
    [InlineData("""{"server":"EXCAS01","healthSet":"IMAP"}""", "alertId", "alertId is required")]
    [InlineData("""{"alertId":"x","healthSet":"IMAP"}""", "server", "server is required")]
    [InlineData("""{"alertId":"x","server":"EXDC01","healthSet":"IMAP"}""", "server", "server 'EXDC01' is not a server in the configured topology.")]
    [InlineData("""{"alertId":"x","server":"EXMBX01.evil.example","healthSet":"IMAP"}""", "server", "server 'EXMBX01.evil.example' is not a server in the configured topology.")]
    [InlineData("""{"alertId":"x","server":"EXCAS01","healthSet":"OWA"}""", "healthSet", "healthSet must name an IMAP health set (IMAP, IMAP.Proxy, IMAP.Protocol), not 'OWA'.")]
    [InlineData("""{"alertId":"x","server":"EXCAS01","healthSet":"IMAP","monitor":"OwaSelfTestMonitor"}""", "monitor", "monitor 'OwaSelfTestMonitor' is not an IMAP monitor.")]
    [InlineData("""{"schemaId":"azureMonitorCommonAlertSchema","data":{}}""", "data.essentials", "data.essentials is required")]
    [InlineData("""{"AlertId":"s","MonitoringObjectName":"EXCAS01","Name":"Disk full"}""", "Name", "Name must name an IMAP health set")]
    [InlineData("""{"alertId":"x\r\nFAKE LOG LINE\u0000","server":"EXCAS01","healthSet":"IMAP"}""", "alertId", "alertId must not contain control characters")]
    public void A_bad_payload_is_refused_naming_the_field(string json, string field, string message)
    {
        var result = Parse(json);

        Assert.True(result.IsInvalid);
        Assert.Contains(result.Errors[field], e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void An_oversized_body_is_refused()
    {
        var result = Parse($$"""{"alertId":"x","server":"EXCAS01","healthSet":"IMAP","description":"{{new string('x', AlertWebhook.MaxBodyBytes)}}"}""");

        Assert.StartsWith("The body is larger than 256 KB", result.Errors["body"][0], StringComparison.Ordinal);
    }
}
