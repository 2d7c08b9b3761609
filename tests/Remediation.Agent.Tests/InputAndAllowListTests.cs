using System.Net;
using System.Net.Http.Json;
using Remediation.AgentApi;

namespace Remediation.Agent.Tests;

[Collection(nameof(AgentCollection))]
public sealed class InputAndAllowListTests(AgentFixture agent)
{
    public static TheoryData<string> Hostile => new()
    {
        "MBX1'",
        "MBX1\"",
        "MBX1;Remove-Item C:\\",
        "$(Stop-Computer)",
        "MBX1`nStop-Computer",
        "MBX1\nStop-Computer",
        "MBX1\r\n",
        new string('A', 300),
        "\u041CBX1", // Cyrillic capital EM: looks like MBX1
        "MBX\uFF11", // fullwidth digit one
        "MBX1 ",
        "-MBX1",
    };

    async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var http = agent.SignedHttp();
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_server_name_is_refused_naming_the_field_and_nothing_runs(string server)
    {
        var before = agent.Executions.Calls;

        var (status, body) = await SendAsync(HttpMethod.Post, $"api/v1/servers/{Uri.EscapeDataString(server)}/services/MSExchangeIMAP4BE/restart");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"server\"", body, StringComparison.Ordinal);
        Assert.Equal(before, agent.Executions.Calls);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Hostile_service_health_set_and_probe_values_are_refused(string value)
    {
        var before = agent.Executions.Calls;

        var service = await SendAsync(HttpMethod.Post, $"api/v1/servers/MBX1/services/{Uri.EscapeDataString(value)}/restart");
        var healthSet = await SendAsync(HttpMethod.Post, "api/v1/servers/MBX1/probes", new InvokeProbeRequest(value, "ImapDeepTestProbe"));
        var probe = await SendAsync(HttpMethod.Post, "api/v1/servers/MBX1/probes", new InvokeProbeRequest("IMAP.Protocol", value));

        Assert.Equal(HttpStatusCode.BadRequest, service.Status);
        Assert.Contains("\"service\"", service.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, healthSet.Status);
        Assert.Contains("\"healthSet\"", healthSet.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, probe.Status);
        Assert.Contains("\"probe\"", probe.Body, StringComparison.Ordinal);
        Assert.Equal(before, agent.Executions.Calls);
    }

    [Theory]
    [InlineData("POST", "api/v1/servers/EXDC01/restart", "Server 'EXDC01' is not managed by this agent.")]
    [InlineData("POST", "api/v1/servers/MBX1/services/W3SVC/restart", "Service 'W3SVC' is not in the allow-list.")]
    [InlineData("POST", "api/v1/servers/MBX1/services/MSExchangeTransport/restart", "Service 'MSExchangeTransport' is not in the allow-list.")]
    public async Task Servers_and_services_outside_the_allow_lists_are_forbidden(string method, string path, string reason)
    {
        var before = agent.Executions.Calls;

        var (status, body) = await SendAsync(new HttpMethod(method), path);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains(reason, body, StringComparison.Ordinal);
        Assert.Equal(before, agent.Executions.Calls);
    }

    [Fact]
    public async Task The_client_refuses_to_send_a_hostile_server_name_at_all()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => agent.Client().RestartServerAsync("MBX1;Stop-Computer", "k", default));

        Assert.Contains("server must be a host name", error.Message, StringComparison.Ordinal);
    }
}
