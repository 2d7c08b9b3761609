using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Remediation.Alerts;
using Remediation.Recovery;

namespace Remediation.EndToEnd.Tests.Host;

/// <summary>POST /api/alerts over real HTTP, into the queue and the pump.</summary>
public sealed class AlertWebhookTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task An_alert_posted_twice_by_a_retrying_action_group_starts_one_run()
    {
        await using var host = await HostFactory.StartAsync(fixture.Lab);
        using var http = await LabHttp.ClientAsync(host.Address);
        var alert = new { alertId = "am-42", server = "mbx1", healthSet = "IMAP.Protocol", monitor = "ImapSelfTestMonitor" };

        using var first = await http.PostAsJsonAsync("api/alerts", alert);
        using var retry = await http.PostAsJsonAsync("api/alerts", alert);
        var pumped = await host.App.Services.GetRequiredService<AlertPump>().RunOnceAsync(default);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, retry.StatusCode));
        Assert.Contains("\"server\":\"MBX1\"", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((1, 1), (pumped.Received, pumped.Started));
    }

    [Fact]
    public async Task A_malformed_alert_gets_a_problem_naming_the_field_and_nothing_is_queued()
    {
        await using var host = await HostFactory.StartAsync(fixture.Lab);
        using var http = await LabHttp.ClientAsync(host.Address);

        using var response = await http.PostAsync(new Uri("api/alerts", UriKind.Relative), new StringContent("""{"alertId":"x","healthSet":"IMAP"}""", System.Text.Encoding.UTF8, "application/json"));
        using var huge = await http.PostAsync(new Uri("api/alerts", UriKind.Relative), new ByteArrayContent(new byte[AlertWebhook.MaxBodyBytes + 1]));

        // What a hostile page can make a browser send across sites without a preflight: text/plain and forms.
        const string valid = """{"alertId":"csrf-1","server":"MBX1","healthSet":"IMAP.Protocol"}""";
        using var plain = await http.PostAsync(new Uri("api/alerts", UriKind.Relative), new StringContent(valid, System.Text.Encoding.UTF8, "text/plain"));
        using var form = await http.PostAsync(new Uri("api/alerts", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { [valid] = "" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("server is required", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(0, host.App.Services.GetRequiredService<InProcessAlertQueue>().Count);
    }
}
