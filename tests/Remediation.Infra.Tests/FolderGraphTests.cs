using System.Reflection;
using System.Text.RegularExpressions;

namespace Remediation.Infra.Tests;

/// <summary>
/// The folder graph of Core and of the agent, as the compiler sees it (<see cref="FolderGraph"/>), held to the
/// allow-lists in docs/architecture.md: the tables' "Uses" cells are the only edges allowed, every one of them is
/// really used (the docs stay true), and the allowed edges form no cycle.
/// </summary>
public sealed partial class FolderGraphTests
{
    static readonly string Root = typeof(FolderGraphTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static TheoryData<string, string> Assemblies() => new()
    {
        { "Remediation.Core", "## Inside Core" },
        { "Remediation.Agent", "## Inside the agent" },
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Code_uses_exactly_the_folders_the_architecture_table_allows(string assemblyName, string heading)
    {
        var assembly = Assembly.Load(assemblyName);
        var allowed = AllowList(heading);
        var actual = FolderGraph.Edges(assembly);

        var folders = assembly.GetTypes().Select(t => FolderGraph.FolderOf(t, assembly)).OfType<string>().Distinct().Order().ToList();
        Assert.Equal(folders, allowed.Keys.Order().ToList());

        var forbidden = actual.Where(e => !allowed[e.Key.From].Contains(e.Key.To)).Select(e => $"{e.Key.From} -> {e.Key.To}: {e.Value}").ToList();
        Assert.True(forbidden.Count == 0, $"Edges docs/architecture.md does not allow:\n{string.Join("\n", forbidden)}");

        var unused = allowed.SelectMany(kv => kv.Value.Select(to => (kv.Key, to))).Where(e => !actual.ContainsKey(e)).Select(e => $"{e.Key} -> {e.to}").ToList();
        Assert.True(unused.Count == 0, $"Edges docs/architecture.md lists that the code no longer has (fix the table):\n{string.Join("\n", unused)}");
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_allowed_edges_form_no_cycle(string assemblyName, string heading)
    {
        _ = assemblyName;
        var allowed = AllowList(heading);
        var done = new HashSet<string>();
        var path = new List<string>();
        void Visit(string folder)
        {
            Assert.False(path.Contains(folder), $"Cycle: {string.Join(" -> ", path.SkipWhile(f => f != folder))} -> {folder}");
            if (!done.Add(folder))
            {
                return;
            }

            path.Add(folder);
            foreach (var next in allowed.GetValueOrDefault(folder) ?? [])
            {
                Visit(next);
            }

            path.RemoveAt(path.Count - 1);
        }

        foreach (var folder in allowed.Keys)
        {
            Visit(folder);
        }
    }

    [Fact]
    public void The_graph_sees_references_that_no_using_line_shows()
    {
        // Fixtures below: each reaches another folder only one way (a qualified name in a method body, a lambda, an
        // async state machine, a generic argument, typeof, an attribute).
        var edges = FolderGraph.Edges(typeof(FolderGraphTests).Assembly);
        Assert.Contains(("GraphFixtureBody", "GraphFixtureTarget"), edges.Keys);
        Assert.Contains(("GraphFixtureLambda", "GraphFixtureTarget"), edges.Keys);
        Assert.Contains(("GraphFixtureAsync", "GraphFixtureTarget"), edges.Keys);
        Assert.Contains(("GraphFixtureGeneric", "GraphFixtureTarget"), edges.Keys);
        Assert.Contains(("GraphFixtureTypeof", "GraphFixtureTarget"), edges.Keys);
        Assert.Contains(("GraphFixtureAttribute", "GraphFixtureTarget"), edges.Keys);
        Assert.DoesNotContain(edges.Keys, e => e.From == "GraphFixtureTarget");
    }

    /// <summary>The table under <paramref name="heading"/>: folder -> the folders its "Uses" cell names.</summary>
    static Dictionary<string, HashSet<string>> AllowList(string heading)
    {
        var doc = File.ReadAllLines(Path.Combine(Root, "docs", "architecture.md"));
        var start = Array.FindIndex(doc, l => l.StartsWith(heading, StringComparison.Ordinal));
        Assert.True(start >= 0, $"docs/architecture.md has no section '{heading}'.");
        var rows = doc.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2);
        var table = new Dictionary<string, HashSet<string>>();
        foreach (var row in rows)
        {
            var cells = row.Split('|');
            var folder = FolderCell().Match(cells[2]).Groups["name"].Value;
            table[folder] = [.. cells[4].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        }

        return table;
    }

    [GeneratedRegex(@"`(?<name>\w+)/`")]
    private static partial Regex FolderCell();
}
