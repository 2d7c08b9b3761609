using System.Diagnostics.Metrics;
using System.Reflection;
using System.Text.RegularExpressions;
using Remediation.Probes;
using Remediation.Runs;
using Remediation.Telemetry;

namespace Remediation.Infra.Tests;

/// <summary>
/// The portal shows what the app really emits: every table, metric name, dimension and run event the workbook and the
/// alert rules query is one the engine writes (found before: a step tile on spans nothing emitted).
/// </summary>
public sealed partial class WorkbookTests
{
    static readonly string Root = typeof(WorkbookTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    static readonly HashSet<string> MetricNames = [.. typeof(RemediationTelemetry).GetProperties(BindingFlags.Public | BindingFlags.Static)
        .Where(p => typeof(Instrument).IsAssignableFrom(p.PropertyType)).Select(p => ((Instrument)p.GetValue(null)!).Name)];

    // The tags the engine puts on its metrics, read from its source (TagList and KeyValuePair tags).
    static readonly HashSet<string> MetricDimensions = [.. Directory.GetFiles(Path.Combine(Root, "src", "Remediation.Core"), "*.cs", SearchOption.AllDirectories)
        .SelectMany(f => Tag().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))];

    /// <summary>
    /// Each tabular statement of a query, its let binding removed (<c>let x = customMetrics | ...; x | join ...</c>): a
    /// statement over a let-bound name reads nothing new and is returned empty.
    /// </summary>
    static IEnumerable<string> Statements(string query)
    {
        var bound = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in query.Split(';').Select(q => q.Trim()))
        {
            var statement = raw;
            if (statement.StartsWith("let ", StringComparison.Ordinal))
            {
                var equals = statement.IndexOf('=', StringComparison.Ordinal);
                bound.Add(statement[4..equals].Trim());
                statement = statement[(equals + 1)..].Trim();
            }

            yield return bound.Contains(statement.Split(' ')[0]) ? "" : statement;
        }
    }

    static IEnumerable<string> Queries(string module) =>
        Query().Matches(File.ReadAllText(Path.Combine(Root, "infra", "modules", module))).Select(m => m.Groups[1].Value);

    [Theory]
    [InlineData("monitoring.bicep")]
    [InlineData("alerts.bicep")]
    public void Every_name_queried_is_one_the_engine_emits(string module)
    {
        var wrong = new List<string>();
        foreach (var query in Queries(module).Where(q => !q.StartsWith("Event ", StringComparison.Ordinal)).SelectMany(Statements)) // Exchange's own logs (the example rule)
        {
            var table = query.Split(' ')[0];
            if (table.Length == 0)
            {
                continue; // the last statement reads the query's own let-bound tables
            }

            var known = table switch
            {
                "customMetrics" => MetricDimensions,
                "traces" => [.. RunHistoryLog.Properties],
                "availabilityResults" => [.. ProbeAvailabilityLog.Properties],
                _ => [],
            };
            if (known.Count == 0)
            {
                wrong.Add($"{table}: not a table the app writes ({query[..Math.Min(60, query.Length)]})");
            }

            wrong.AddRange(Dimension().Matches(query).Select(m => m.Groups[1].Value).Where(d => !known.Contains(d)).Select(d => $"{table}: customDimensions.{d} is never emitted"));
            if (table == "customMetrics")
            {
                wrong.AddRange(Quoted().Matches(MetricFilter().Match(query).Value).Select(m => m.Groups[1].Value).Where(n => !MetricNames.Contains(n)).Select(n => $"metric {n} is never emitted"));
            }
            else
            {
                wrong.AddRange(Quoted().Matches(string.Join(' ', RunEventFilter().Matches(query).Select(m => m.Value))).Select(m => m.Groups[1].Value)
                    .Where(e => !RunHistoryLog.Events.Contains(e)).Select(e => $"run event {e} is never emitted"));
            }
        }

        Assert.NotEmpty(Queries(module));
        Assert.Empty(wrong);
    }

    [Fact]
    public void The_workbook_shows_runs_by_outcome_mttr_a_step_timeline_and_probe_latency()
    {
        var queries = Queries("monitoring.bicep").ToList();

        Assert.Contains(queries, q => q.Contains("remediation.runs", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("mttr", StringComparison.Ordinal) && q.Contains("RunClosed", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("RunStep", StringComparison.Ordinal) && q.Contains("DurationMs", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("remediation.probe.duration", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.StartsWith("availabilityResults", StringComparison.Ordinal));

        // Latency percentiles are taken over the duration histogram alone: every statement that computes a percentile
        // of customMetrics first keeps only remediation.probe.duration (failure counts mixed in were read as latencies).
        var percentiles = queries.SelectMany(q => q.Split(';')).Where(q => q.Contains("customMetrics", StringComparison.Ordinal) && q.Contains("percentile(", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(percentiles);
        Assert.All(percentiles, q => Assert.Contains("| where name == \"remediation.probe.duration\" |", q, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"query: '((?:[^'\\]|\\.)*)'")]
    private static partial Regex Query();

    [GeneratedRegex(@"customDimensions\.(\w+)")]
    private static partial Regex Dimension();

    [GeneratedRegex(@"name (?:==|in) \(?[^|]*")]
    private static partial Regex MetricFilter();

    [GeneratedRegex(@"RunEvent\) (?:==|in) \(?[^|]*")]
    private static partial Regex RunEventFilter();

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"(?:\{ ""|new\(""|KeyValuePair<string, object\?>\("")([a-z]+)""")]
    private static partial Regex Tag();
}
