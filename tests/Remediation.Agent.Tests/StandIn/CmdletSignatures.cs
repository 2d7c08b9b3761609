using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Remediation.Agent.Tests.StandIn;

/// <summary>One parameter of a cmdlet as its assembly declares it: name, type, aliases, and per parameter set the [Parameter] it carries.</summary>
internal sealed record CmdletParameter(string Name, string TypeName, IReadOnlyList<string> Aliases, IReadOnlyList<ParameterInSet> Sets);

/// <summary>A [Parameter] attribute: its set (null: every set), mandatory, position, pipeline input.</summary>
internal sealed record ParameterInSet(string? SetName, bool Mandatory, int? Position, bool FromPipeline, bool FromPipelineByName);

/// <summary>A cmdlet's signature: default parameter set, ShouldProcess, its parameters.</summary>
internal sealed record CmdletSignature(string Name, string? DefaultSet, bool SupportsShouldProcess, IReadOnlyList<CmdletParameter> Parameters, string Source)
{
    public IEnumerable<string> SetNames => Parameters.SelectMany(p => p.Sets).Select(s => s.SetName).OfType<string>().Distinct().Order();
}

/// <summary>
/// Ground truth for the Windows cmdlets the agent runs: their signatures read, as metadata only, from the Windows
/// builds of the PowerShell SDK's own packages (<c>runtimes/win</c> of Microsoft.Management.Infrastructure.CimCmdlets,
/// Microsoft.PowerShell.Commands.Management and ...Diagnostics, the assemblies Windows PowerShell 7 loads), through
/// System.Reflection.MetadataLoadContext: nothing is executed. From the signatures the tests generate stand-in
/// functions with exactly those parameter sets, so PowerShell's own binder refuses a parameter the real cmdlet lacks.
/// </summary>
internal static partial class CmdletSignatures
{
    /// <summary>The Windows cmdlets the agent's executor runs and the package and assembly each comes from.</summary>
    public static readonly (string Cmdlet, string Package, string Assembly)[] Windows =
    [
        ("Invoke-CimMethod", "microsoft.management.infrastructure.cimcmdlets", "Microsoft.Management.Infrastructure.CimCmdlets.dll"),
        ("Get-CimInstance", "microsoft.management.infrastructure.cimcmdlets", "Microsoft.Management.Infrastructure.CimCmdlets.dll"),
        ("Restart-Computer", "microsoft.powershell.commands.management", "Microsoft.PowerShell.Commands.Management.dll"),
        ("Get-Counter", "microsoft.powershell.commands.diagnostics", "Microsoft.PowerShell.Commands.Diagnostics.dll"),
    ];

    static readonly Lazy<IReadOnlyDictionary<string, CmdletSignature>> Loaded = new(Load);

    static readonly Lazy<IReadOnlyDictionary<string, CmdletSignature>> Documented = new(LoadDocumented);

    /// <summary>The signature of <paramref name="cmdlet"/>: a Windows cmdlet's from its assembly, an Exchange cmdlet's from its documented syntax.</summary>
    public static CmdletSignature Of(string cmdlet) => Loaded.Value.TryGetValue(cmdlet, out var windows) ? windows : Documented.Value[cmdlet];

    /// <summary>The Exchange cmdlets with a documented syntax in StandIn/Exchange/ (one file each, its source address first).</summary>
    public static IReadOnlyCollection<string> Exchange => [.. Documented.Value.Keys];

    static IReadOnlyDictionary<string, CmdletSignature> LoadDocumented() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "StandIn", "Exchange"), "*.syntax")
            .Select(f => ParseSyntax(File.ReadAllText(f)))
            .ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A syntax block as Microsoft's cmdlet reference writes it: <c>-Name &lt;Type&gt;</c> mandatory, <c>[-Name &lt;Type&gt;]</c>
    /// optional, <c>[-Name] &lt;Type&gt;</c> positional and mandatory, <c>[[-Name] &lt;Type&gt;]</c> positional and optional,
    /// <c>[-Switch]</c>; <c>## SetName</c> before each block when there are several sets; <c>[-Confirm]</c>/<c>[-WhatIf]</c>
    /// mean ShouldProcess. The first comment line names the page it was copied from.
    /// </summary>
    public static CmdletSignature ParseSyntax(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var source = lines.First(l => l.StartsWith('#')).TrimStart('#', ' ');
        string? name = null;
        string? set = null;
        var sets = new List<string?>();
        var shouldProcess = false;
        var parameters = new Dictionary<string, (string Type, List<ParameterInSet> Sets)>(StringComparer.OrdinalIgnoreCase);
        var position = 0;
        foreach (var line in lines.Where(l => !l.StartsWith('#') || l.StartsWith("## ", StringComparison.Ordinal)))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                set = line[3..];
                continue;
            }

            if (!line.StartsWith('-') && !line.StartsWith('['))
            {
                name = line; // the cmdlet's name opens each block
                sets.Add(set);
                position = 0;
                continue;
            }

            var match = SyntaxToken().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"Not a syntax line of {name}: '{line}'.");
            }

            var parameter = match.Groups["name"].Value;
            if (parameter is "Confirm" or "WhatIf")
            {
                shouldProcess = true;
                continue;
            }

            var positional = match.Groups["positional"].Success;
            var mandatory = !match.Groups["optional"].Success;
            var type = match.Groups["type"].Success ? match.Groups["type"].Value : "SwitchParameter";
            if (!parameters.TryGetValue(parameter, out var entry))
            {
                entry = (type, []);
                parameters[parameter] = entry;
            }

            entry.Sets.Add(new ParameterInSet(set, mandatory, positional ? position++ : null, false, false));
        }

        return new CmdletSignature(
            name ?? throw new FormatException("No cmdlet name."),
            sets.Count > 1 ? sets[0] : null,
            shouldProcess,
            [.. parameters.Select(p => new CmdletParameter(p.Key, DocumentedType(p.Value.Type), [], p.Value.Sets))],
            source);
    }

    // Documented types: the .NET name where it is one; Exchange's own parameter types (ServerIdParameter, Fqdn...) take text.
    static string DocumentedType(string type) => type switch
    {
        "String" => "System.String",
        "String[]" => "System.String[]",
        "Boolean" => "System.Boolean",
        "Int32" => "System.Int32",
        "SwitchParameter" => "System.Management.Automation.SwitchParameter",
        _ => type,
    };

    // "-Name <Type>", "[-Name <Type>]", "[-Name] <Type>", "[[-Name] <Type>]", "[-Switch]", "-Switch".
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<optional>\[)?(?:(?<positional>\[)-(?<name>\w+)\]|-(?<name>\w+))(?: <(?<type>[\w.\[\]]+)>)?\]?$")]
    private static partial System.Text.RegularExpressions.Regex SyntaxToken();

    static string PackageRoot => typeof(CmdletSignatures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;

    static IReadOnlyDictionary<string, CmdletSignature> Load()
    {
        // Every assembly of the restored packages, each file name once, the Windows build first; then the runtime's own.
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dll in Directory.EnumerateFiles(PackageRoot, "*.dll", SearchOption.AllDirectories)
            .Where(f => f.Contains($"{Path.DirectorySeparatorChar}net", StringComparison.Ordinal))
            .OrderBy(f => f.Contains($"runtimes{Path.DirectorySeparatorChar}win{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? 0 : 1)
            .ThenByDescending(f => f, StringComparer.Ordinal))
        {
            byName.TryAdd(Path.GetFileName(dll), dll);
        }

        foreach (var dll in Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
        {
            byName[Path.GetFileName(dll)] = dll;
        }

        using var context = new MetadataLoadContext(new PathAssemblyResolver(byName.Values), "System.Private.CoreLib");
        var found = new Dictionary<string, CmdletSignature>(StringComparer.OrdinalIgnoreCase);
        foreach (var (cmdlet, package, assemblyFile) in Windows)
        {
            var version = Directory.GetDirectories(Path.Combine(PackageRoot, package)).Select(Path.GetFileName).Order().Last()!;
            var path = Path.Combine(PackageRoot, package, version, "runtimes", "win", "lib", "net10.0", assemblyFile);
            var assembly = context.LoadFromAssemblyPath(path);
            foreach (var type in assembly.GetTypes())
            {
                var attribute = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
                if (attribute is null || $"{attribute.ConstructorArguments[0].Value}-{attribute.ConstructorArguments[1].Value}" is var name && !string.Equals(name, cmdlet, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                found[cmdlet] = new CmdletSignature(
                    cmdlet,
                    Named(attribute, "DefaultParameterSetName") as string,
                    Named(attribute, "SupportsShouldProcess") as bool? ?? false,
                    [.. Parameters(type)],
                    $"{package} {version}, runtimes/win/lib/net10.0/{assemblyFile}, {type.FullName}");
            }
        }

        return found;
    }

    static IEnumerable<CmdletParameter> Parameters(Type type)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var t = type; t is not null && t.FullName != "System.Object"; t = t.BaseType)
        {
            foreach (var property in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var attributes = property.GetCustomAttributesData();
                var sets = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute").Select(a => new ParameterInSet(
                    Named(a, "ParameterSetName") as string is { } set && set != "__AllParameterSets" ? set : null,
                    Named(a, "Mandatory") as bool? ?? false,
                    Named(a, "Position") as int? is { } position && position != int.MinValue ? position : null,
                    Named(a, "ValueFromPipeline") as bool? ?? false,
                    Named(a, "ValueFromPipelineByPropertyName") as bool? ?? false)).ToList();
                if (sets.Count == 0 || !seen.Add(property.Name))
                {
                    continue;
                }

                var aliases = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
                    .SelectMany(a => a.ConstructorArguments.SelectMany(c => c.Value is IEnumerable<CustomAttributeTypedArgument> values ? values.Select(v => (string)v.Value!) : [(string)c.Value!]))
                    .ToList();
                yield return new CmdletParameter(property.Name, property.PropertyType.FullName ?? property.PropertyType.Name, aliases, sets);
            }
        }
    }

    static object? Named(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name)
            {
                return argument.TypedValue.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// A PowerShell function with exactly <paramref name="signature"/>'s parameter sets, whose body hands the set
    /// that bound and the bound parameters to <c>Invoke-Behaviour</c> (the stand-in organisation's behaviour).
    /// </summary>
    public static string StandInFunction(CmdletSignature signature)
    {
        var text = new StringBuilder();
        text.Append("# Generated from ").Append(signature.Source).Append(": the real parameter sets, nothing invented.\n");
        text.Append("function ").Append(signature.Name).Append(" {\n");
        text.Append("    [CmdletBinding(").Append(signature.DefaultSet is { } d ? $"DefaultParameterSetName = '{d}'" : "");
        text.Append(signature.SupportsShouldProcess ? (signature.DefaultSet is null ? "" : ", ") + "SupportsShouldProcess = $true" : "").Append(")]\n    param(\n");
        var parameters = signature.Parameters.Where(p => !Common.Contains(p.Name)).ToList();
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            foreach (var set in parameter.Sets)
            {
                var named = new List<string>();
                if (set.SetName is { } s)
                {
                    named.Add($"ParameterSetName = '{s}'");
                }

                if (set.Mandatory)
                {
                    named.Add("Mandatory = $true");
                }

                if (set.Position is { } position)
                {
                    named.Add($"Position = {position}");
                }

                if (set.FromPipeline)
                {
                    named.Add("ValueFromPipeline = $true");
                }

                if (set.FromPipelineByName)
                {
                    named.Add("ValueFromPipelineByPropertyName = $true");
                }

                text.Append("        [Parameter(").Append(string.Join(", ", named)).Append(")]\n");
            }

            if (parameter.Aliases.Count > 0)
            {
                text.Append("        [Alias(").Append(string.Join(", ", parameter.Aliases.Select(a => $"'{a}'"))).Append(")]\n");
            }

            text.Append("        ").Append(PowerShellType(parameter.TypeName)).Append(" $").Append(parameter.Name).Append(i < parameters.Count - 1 ? ",\n" : "\n");
        }

        text.Append("    )\n    process { Invoke-Behaviour '").Append(signature.Name).Append("' $PSCmdlet.ParameterSetName $PSBoundParameters }\n}\n");
        return text.ToString();
    }

    // Declared by [CmdletBinding] itself in a function: a cmdlet class never declares them, but keep the list honest.
    static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase) { "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm" };

    /// <summary>The stand-in types for the CIM types (not loadable off Windows): their own classes, so binding still tells a CimInstance from a CimSession.</summary>
    public const string StandInTypes = """
        class StandInCimInstance { [string] $CimClassName }
        class StandInCimSession { }
        class StandInCimClass { }

        """;

    static string PowerShellType(string typeName) => typeName switch
    {
        "Microsoft.Management.Infrastructure.CimInstance" => "[StandInCimInstance]",
        "Microsoft.Management.Infrastructure.CimInstance[]" => "[StandInCimInstance[]]",
        "Microsoft.Management.Infrastructure.CimSession" => "[StandInCimSession]",
        "Microsoft.Management.Infrastructure.CimSession[]" => "[StandInCimSession[]]",
        "Microsoft.Management.Infrastructure.CimClass" => "[StandInCimClass]",
        "System.Management.Automation.SwitchParameter" => "[switch]",
        "System.String" => "[string]",
        "System.String[]" => "[string[]]",
        "System.Boolean" => "[bool]",
        "System.Int32" or "System.UInt32" or "System.Int16" => "[int]",
        "System.Int64" => "[long]",
        _ => "[object]",
    };

    /// <summary>
    /// Writes the stand-in module into <paramref name="directory"/>: the stand-in CIM types, the behaviour of the
    /// organisation (ExchangeStandIn.psm1), and every cmdlet generated from its signature (Windows: the real
    /// assemblies; Exchange: the documented syntax). Returns its path.
    /// </summary>
    public static string WriteModule(string directory)
    {
        var exchange = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "StandIn", "ExchangeStandIn.psm1")).Replace("Export-ModuleMember -Function *", "", StringComparison.Ordinal);
        var module = new StringBuilder(StandInTypes).Append(exchange).Append('\n');
        foreach (var cmdlet in Windows.Select(w => w.Cmdlet).Concat(Exchange))
        {
            module.Append(StandInFunction(Of(cmdlet))).Append('\n');
        }

        var path = Path.Combine(directory, "ExchangeStandIn.psm1");
        File.WriteAllText(path, module.Append("Export-ModuleMember -Function *\n").ToString());
        return path;
    }
}
