using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Remediation.Infra.Tests;

/// <summary>
/// The one-way house (docs/architecture.md), checked from the project files and sources: which project may reference
/// which; the folders inside Core and the agent are checked from the compiled assemblies (FolderGraphTests).
/// </summary>
public sealed partial class ArchitectureTests
{
    static readonly string[] ProductionProjects = ["Remediation.Contracts", "Remediation.Core", "Remediation.Functions", "Remediation.Host", "Remediation.Agent"];

    static readonly string Root = typeof(ArchitectureTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    [Fact]
    // The agent runs privileged operations: every package it takes is a decision (SQLite: its memory across restarts).
    public void The_agent_references_contracts_only_of_ours()
    {
        Assert.Equal(["Remediation.Contracts"], References("Remediation.Agent"));
        Assert.Equal(["Microsoft.Data.Sqlite", "Microsoft.Extensions.Hosting.Systemd", "Microsoft.Extensions.Hosting.WindowsServices", "Microsoft.PowerShell.SDK"], Packages("Remediation.Agent"));
    }

    [Fact]
    public void Contracts_carry_no_package_and_no_project()
    {
        Assert.Empty(References("Remediation.Contracts"));
        Assert.Empty(Packages("Remediation.Contracts"));
    }

    [Theory]
    [MemberData(nameof(Production))]
    public void No_production_project_reaches_the_lab(string project)
    {
        Assert.DoesNotContain(Reachable(project), p => p.StartsWith("Remediation.Lab", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Production))]
    public void No_production_source_names_the_lab(string project)
    {
        var offenders = Sources(Path.Combine(Root, "src", project))
            .Where(f => File.ReadLines(f).Any(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal) && LabNamespace().IsMatch(line)))
            .Select(f => Path.GetRelativePath(Root, f))
            .ToList();
        Assert.Empty(offenders);
    }

    public static TheoryData<string> Production() => [.. ProductionProjects];

    static IEnumerable<string> Sources(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    static XDocument Project(string name) => XDocument.Load(Path.Combine(Root, "src", name, $"{name}.csproj"));

    static List<string> References(string name) =>
        [.. Project(name).Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/'))).Order()];

    static List<string> Packages(string name) =>
        [.. Project(name).Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value).Order()];

    static HashSet<string> Reachable(string name)
    {
        var seen = new HashSet<string>();
        var next = new Stack<string>(References(name));
        while (next.TryPop(out var project))
        {
            if (seen.Add(project))
            {
                foreach (var reference in References(project))
                {
                    next.Push(reference);
                }
            }
        }

        return seen;
    }

    [GeneratedRegex(@"\bRemediation\.Lab\b")]
    private static partial Regex LabNamespace();
}
