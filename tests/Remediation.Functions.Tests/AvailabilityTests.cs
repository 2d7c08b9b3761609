using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Remediation.Lab;
using Remediation.Probes;

namespace Remediation.Functions.Tests;

/// <summary>
/// Probe results reach Application Insights as availability results: the app's own telemetry wiring and the real
/// Azure Monitor exporter, sending to an ingestion endpoint on 127.0.0.1 that keeps what it receives.
/// </summary>
public class AvailabilityTests
{
    [Fact]
    public async Task A_probe_result_is_exported_as_an_availability_result_named_for_its_server_and_probe()
    {
        using var ingestion = new Ingestion();
        var app = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        app.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [FunctionsTelemetry.ConnectionStringSetting] = $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint={ingestion.Address}",
        });
        app.Services.AddRemediationTelemetry(app.Configuration);
        app.Services.Configure<AzureMonitorExporterOptions>(o => (o.DisableOfflineStorage, o.EnableLiveMetrics) = (true, false));
        app.Services.Configure<ProbeOptions>(o => o.RunLocation = "westeurope").AddSingleton<ProbeAvailabilityLog>();
        var started = new DateTimeOffset(2026, 11, 28, 3, 12, 0, TimeSpan.Zero);
        var failed = new ProbeResult("MBX1", "ImapCTPProbe", "IMAP", "127.0.0.1:143", started, 2500, ProbeOutcome.Failed, ProbePhase.Auth, "AUTHENTICATIONFAILED", "LOGIN failed", DependencyArea.Authentication, new Dictionary<ProbePhase, double>(), "MBX1");
        var passed = failed with { Server = "CAS1", Result = ProbeOutcome.Succeeded, FailedPhase = null, ResponseCode = null, Error = null, DependencyArea = null, LatencyMs = 40 };

        using (var host = app.Build())
        {
            await host.StartAsync();
            var log = host.Services.GetRequiredService<ProbeAvailabilityLog>();
            log.Write(failed);
            log.Write(passed);
            await host.StopAsync();
        } // disposing the host flushes the exporter

        var items = ingestion.Items.Where(i => (string?)i["name"] == "Availability").ToList();
        Assert.Equal(2, items.Count);
        var data = items.Select(i => i["data"]!["baseData"]!).Single(d => (string?)d["name"] == "MBX1 ImapCTPProbe");
        Assert.Equal("AvailabilityData", (string?)items[0]["data"]!["baseType"]);
        Assert.False((bool)data["success"]!);
        Assert.Equal("00:00:02.5000000", (string?)data["duration"]);
        Assert.Equal("westeurope", (string?)data["runLocation"]);
        Assert.Contains("Auth", (string?)data["message"]);
        Assert.Equal("MBX1", (string?)data["properties"]!["Server"]);
        Assert.Equal("IMAP", (string?)data["properties"]!["HealthSet"]);
        var item = items.Single(i => (string?)i["data"]!["baseData"]!["name"] == "MBX1 ImapCTPProbe");
        Assert.Equal(started, DateTimeOffset.Parse((string)item["time"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True((bool)items.Select(i => i["data"]!["baseData"]!).Single(d => (string?)d["name"] == "CAS1 ImapCTPProbe")["success"]!);
    }

    /// <summary>An Application Insights ingestion endpoint on 127.0.0.1: accepts every batch and keeps its items.</summary>
    sealed class Ingestion : IDisposable
    {
        readonly HttpListener listener = new();
        readonly List<JsonNode> items = [];

        public Ingestion()
        {
            var port = FreePort.Next();
            Address = $"http://127.0.0.1:{port}/";
            listener.Prefixes.Add(Address);
            listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Address { get; }

        public IReadOnlyList<JsonNode> Items
        {
            get
            {
                lock (items)
                {
                    return [.. items];
                }
            }
        }

        async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (!listener.IsListening)
                {
                    return;
                }

                Stream body = context.Request.InputStream;
                if (string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
                {
                    body = new GZipStream(body, CompressionMode.Decompress);
                }

                using var reader = new StreamReader(body, Encoding.UTF8);
                var text = await reader.ReadToEndAsync();
                lock (items)
                {
                    items.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!));
                }

                var accepted = Encoding.UTF8.GetBytes("{\"itemsReceived\":1,\"itemsAccepted\":1,\"errors\":[]}");
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(accepted);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
        }
    }
}
