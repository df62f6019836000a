using System.Diagnostics.CodeAnalysis;
using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics.Functions;

/// <summary>A formula that cannot be parsed or does not fit its dimension. The message starts with the position.</summary>
public sealed class FormulaException : ArgumentException
{
    /// <summary>A problem at 0-based character <paramref name="position"/> of the formula.</summary>
    public FormulaException(int position, string problem)
        : base($"position {position}: {problem}")
    {
        Position = position;
        Problem = problem;
    }

    /// <summary>A problem of the formula as a whole (no one position is to blame).</summary>
    public FormulaException(string problem)
        : base(problem)
    {
        Problem = problem;
    }

    /// <summary>The 0-based character position the problem was found at, or null when it concerns the whole formula.</summary>
    public int? Position { get; }

    /// <summary>The problem without the position: what was expected, or what does not fit.</summary>
    public string Problem { get; }
}

/// <summary>
/// f written as a formula over the input vector x, e.g. <c>dot(x[0:3], x[3:6]) - log(1 + sum(x[0:3]^2))</c>
/// (grammar, functions and errors: docs/formulas.md). A formula is parsed and then recorded through the same
/// <see cref="Ad"/> operations a catalog function uses, inside <see cref="DifferentiableFunction.Create"/>: its gradient
/// and Hessian come from the one AD engine, never from a second differentiation path.
/// </summary>
public static class Formula
{
    /// <summary>The function <paramref name="text"/> defines on inputs of length <paramref name="dimension"/>; its name is the text.</summary>
    /// <exception cref="FormulaException">A syntax error, an index outside the dimension, mismatched lengths, or a vector result.</exception>
    public static DifferentiableFunction Parse(string text, int dimension)
    {
        ArgumentNullException.ThrowIfNull(text);
        RequirePositive(dimension);
        var root = FormulaParser.Parse(text);
        if (!UsesInput(root))
        {
            throw new FormulaException("the formula never uses x; f must depend on the input vector x");
        }

        return DifferentiableFunction.Create(text, dimension, x =>
        {
            var value = new FormulaCompiler(x).Compile(root);
            var result = value.Symbolic!;
            if (result.Length != 1)
            {
                throw new FormulaException(
                    $"the formula's value has {result.Length} components; f must be a scalar (use sum, dot or an index)");
            }

            return result;
        });
    }

    /// <summary><see cref="Parse"/> without throwing on a bad formula; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, int dimension,
        [NotNullWhen(true)] out DifferentiableFunction? function, [NotNullWhen(false)] out FormulaException? error)
    {
        RequirePositive(dimension);
        function = null;
        error = null;
        try
        {
            function = Parse(text ?? string.Empty, dimension);
            return true;
        }
        catch (FormulaException e)
        {
            error = e;
            return false;
        }
    }

    /// <summary><see cref="Parse"/> without throwing on a bad formula.</summary>
    public static bool TryParse(string? text, int dimension, [NotNullWhen(true)] out DifferentiableFunction? function) =>
        TryParse(text, dimension, out function, out _);

    /// <summary>
    /// The smallest dimension that covers every index and slice end the formula uses (<c>x[0] * x[1]</c> → 2), or null when
    /// the formula takes its length from the dimension (<c>x</c> alone, or a slice without an end such as <c>x[2:]</c>).
    /// </summary>
    /// <exception cref="FormulaException">A syntax error.</exception>
    public static int? ImpliedDimension(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var dimension = 0;
        var open = false;
        Visit(FormulaParser.Parse(text), node =>
        {
            if (node is InputNode input)
            {
                if (input.End is { } end)
                {
                    dimension = Math.Max(dimension, end);
                }
                else
                {
                    open = true;
                }
            }
        });
        return open || dimension == 0 ? null : dimension;
    }

    private static bool UsesInput(FormulaNode root)
    {
        var uses = false;
        Visit(root, node => uses |= node is InputNode);
        return uses;
    }

    private static void Visit(FormulaNode node, Action<FormulaNode> action)
    {
        action(node);
        switch (node)
        {
            case NegateNode n:
                Visit(n.Operand, action);
                break;
            case BinaryNode b:
                Visit(b.Left, action);
                Visit(b.Right, action);
                break;
            case CallNode c:
                foreach (var argument in c.Arguments)
                {
                    Visit(argument, action);
                }

                break;
        }
    }

    private static void RequirePositive(int dimension)
    {
        if (dimension <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A formula's dimension must be positive.");
        }
    }
}
