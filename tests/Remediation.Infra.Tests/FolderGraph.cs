using System.Reflection;
using System.Reflection.Emit;

namespace Remediation.Infra.Tests;

/// <summary>
/// Which feature folder of an assembly uses which, read from what the compiler emitted rather than from <c>using</c>
/// lines: every type a type names in its base type, interfaces, attributes, fields, properties, events, method
/// signatures, generic arguments and constraints, locals and IL operands (calls, field loads, casts, type tests,
/// <c>typeof</c>, constructions), compiler-generated closures and state machines included. A folder is the second
/// segment of a namespace (<c>Remediation.Recovery.Activities</c> is Recovery); types in the root namespace belong to
/// no folder.
/// </summary>
internal static class FolderGraph
{
    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The folder of a type of <paramref name="assembly"/>, or null outside any folder.</summary>
    public static string? FolderOf(Type type, Assembly assembly)
    {
        if (type.Assembly != assembly || type.Namespace is not { } ns)
        {
            return null;
        }

        var parts = ns.Split('.');
        return parts.Length >= 2 && parts[0] == "Remediation" && (assembly.GetName().Name != "Remediation.Agent" || parts.Length >= 3)
            ? assembly.GetName().Name == "Remediation.Agent" ? parts[2] : parts[1]
            : null;
    }

    /// <summary>Every edge "folder uses folder" with one example of why ("Recovery.X uses Runs.Y").</summary>
    public static Dictionary<(string From, string To), string> Edges(Assembly assembly)
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in assembly.GetTypes())
        {
            if (FolderOf(Outermost(type), assembly) is not { } from)
            {
                continue;
            }

            foreach (var used in Uses(type))
            {
                if (FolderOf(used, assembly) is { } to && to != from)
                {
                    edges.TryAdd((from, to), $"{Outermost(type).FullName} uses {used.FullName}");
                }
            }
        }

        return edges;
    }

    static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    static IEnumerable<Type> Uses(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null)
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }

            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                Add(t.GetGenericTypeDefinition());
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }

                return;
            }

            if (t.IsGenericParameter)
            {
                foreach (var constraint in t.GetGenericParameterConstraints())
                {
                    Add(constraint);
                }

                return;
            }

            found.Add(t);
        }

        void AddAttributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var attribute in attributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(n => n.TypedValue)))
                {
                    Add(argument.ArgumentType);
                    if (argument.Value is Type typeArgument)
                    {
                        Add(typeArgument);
                    }
                }
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var parameter in type.IsGenericTypeDefinition ? type.GetGenericArguments() : [])
        {
            Add(parameter);
        }

        AddAttributes(type.CustomAttributes);
        foreach (var field in type.GetFields(Everything))
        {
            Add(field.FieldType);
            AddAttributes(field.CustomAttributes);
        }

        foreach (var property in type.GetProperties(Everything))
        {
            Add(property.PropertyType);
            AddAttributes(property.CustomAttributes);
        }

        foreach (var @event in type.GetEvents(Everything))
        {
            Add(@event.EventHandlerType);
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            AddAttributes(method.CustomAttributes);
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
                foreach (var argument in info.IsGenericMethodDefinition ? info.GetGenericArguments() : [])
                {
                    Add(argument);
                }
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
                AddAttributes(parameter.CustomAttributes);
            }

            if (method.GetMethodBody() is not { } body)
            {
                continue;
            }

            foreach (var local in body.LocalVariables)
            {
                Add(local.LocalType);
            }

            foreach (var member in Operands(method, body.GetILAsByteArray() ?? []))
            {
                switch (member)
                {
                    case Type t:
                        Add(t);
                        break;
                    case FieldInfo f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                    case MethodBase m:
                        Add(m.DeclaringType);
                        foreach (var argument in m.IsGenericMethod ? m.GetGenericArguments() : [])
                        {
                            Add(argument);
                        }

                        break;
                }
            }
        }

        return found;
    }

    /// <summary>The types, fields and methods the IL of <paramref name="method"/> names.</summary>
    static IEnumerable<MemberInfo> Operands(MethodBase method, byte[] il)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            short value = il[at++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at++]);
            }

            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, at);
                    MemberInfo? member;
                    try
                    {
                        member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                        member = null;
                    }

                    if (member is not null)
                    {
                        yield return member;
                    }

                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }
}
