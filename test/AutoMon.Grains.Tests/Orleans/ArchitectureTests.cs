using System.Reflection;
using System.Reflection.Emit;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// The protocol core (namespace AutoMon.Protocol) stays plain C#: its messages may carry Orleans serialization attributes,
/// nothing else from Orleans, the hosting layer or the grains — in signatures, attributes or method bodies.
/// </summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void Protocol_core_types_reference_no_grain_silo_or_hosting_API()
    {
        var protocolTypes = typeof(Coordinator).Assembly.GetTypes().Where(IsProtocolType).ToList();
        Assert.Contains(typeof(Node), protocolTypes);

        var offenders = protocolTypes
            .SelectMany(type => ReferenceScanner.ReferencedTypes(type).Where(IsForbidden).Select(used => $"{type.FullName} uses {used.FullName}"))
            .Distinct()
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void The_scan_finds_grain_and_runtime_references_in_a_grain()
    {
        var used = ReferenceScanner.ReferencedTypes(typeof(INodeGrain).Assembly.GetType("AutoMon.Grains.Experiments.NodeGrain")!).ToList();

        Assert.Contains(used, IsForbidden);
        Assert.Contains(used, t => t.FullName == "Orleans.Grain");
    }

    private static bool IsProtocolType(Type type) =>
        type.Namespace is { } ns && (ns == "AutoMon.Protocol" || ns.StartsWith("AutoMon.Protocol.", StringComparison.Ordinal));

    // Orleans' serialization attributes live in Orleans.Serialization.Abstractions; everything else of Orleans is a host API.
    private static bool IsForbidden(Type type)
    {
        var assembly = type.Assembly.GetName().Name ?? string.Empty;
        var ns = type.Namespace ?? string.Empty;
        return (assembly.StartsWith("Orleans", StringComparison.Ordinal) && assembly != "Orleans.Serialization.Abstractions")
            || ns.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)
            || ns.StartsWith("Microsoft.Extensions.DependencyInjection", StringComparison.Ordinal)
            || ns.StartsWith("AutoMon.Grains", StringComparison.Ordinal)
            || ns.StartsWith("AutoMon.Silos", StringComparison.Ordinal)
            || ns.StartsWith("Amazon", StringComparison.Ordinal);
    }
}

/// <summary>Every type a type refers to: base type, interfaces, members' signatures, attributes, and the IL of its methods.</summary>
internal static class ReferenceScanner
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public static IEnumerable<Type> ReferencedTypes(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || !found.Add(t))
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
            }

            if (t.IsGenericType)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }

                Add(t.GetGenericTypeDefinition());
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var attribute in type.GetCustomAttributesData())
        {
            Add(attribute.AttributeType);
        }

        foreach (var field in type.GetFields(All))
        {
            Add(field.FieldType);
            foreach (var attribute in field.GetCustomAttributesData())
            {
                Add(attribute.AttributeType);
            }
        }

        foreach (var property in type.GetProperties(All))
        {
            Add(property.PropertyType);
            foreach (var attribute in property.GetCustomAttributesData())
            {
                Add(attribute.AttributeType);
            }
        }

        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
                foreach (var attribute in parameter.GetCustomAttributesData())
                {
                    Add(attribute.AttributeType);
                }
            }

            foreach (var attribute in method.GetCustomAttributesData())
            {
                Add(attribute.AttributeType);
            }

            foreach (var used in TypesInBody(method))
            {
                Add(used);
            }
        }

        return found;
    }

    // Walks the IL and resolves the tokens of calls, field accesses, type operands and ldtoken.
    private static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[position++]);
            }

            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, position);
                    position += 4;
                    var member = Resolve(method, token);
                    if (member is Type t)
                    {
                        yield return t;
                    }
                    else if (member is not null)
                    {
                        if (member.DeclaringType is { } declaring)
                        {
                            yield return declaring;
                        }

                        if (member is MethodInfo called)
                        {
                            yield return called.ReturnType;
                        }
                        else if (member is FieldInfo accessed)
                        {
                            yield return accessed.FieldType;
                        }
                    }

                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, position);
                    position += 4 + (4 * count);
                    break;
                default:
                    position += 4;
                    break;
            }
        }
    }

    private static MemberInfo? Resolve(MethodBase method, int token)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        try
        {
            return method.Module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
