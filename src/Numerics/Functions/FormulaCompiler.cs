using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics.Functions;

/// <summary>
/// A value while compiling: a constant scalar (folded in ordinary arithmetic, as <see cref="Ad"/> asks) or an
/// <see cref="Expr"/> recorded on the input. A formula has no vector literals, so every constant is a scalar.
/// </summary>
internal readonly record struct FormulaValue(Expr? Symbolic, double Constant)
{
    public bool IsConstant => Symbolic is null;

    public int Length => Symbolic?.Length ?? 1;

    public Expr AsExpr => Symbolic ?? Constant;

    public static FormulaValue Of(Expr value) => new(value, 0);

    public static FormulaValue Of(double value) => new(null, value);
}

/// <summary>
/// Records a parsed formula on the symbolic input <c>x</c> of <see cref="DifferentiableFunction.Create"/>, mapping every
/// construct onto an existing <see cref="Ad"/> operation or operator (no derivative rule of its own), and checks bounds
/// and lengths against the dimension with the position to blame.
/// </summary>
internal sealed class FormulaCompiler(Expr x)
{
    public FormulaValue Compile(FormulaNode node) => node switch
    {
        NumberNode n => FormulaValue.Of(n.Value),
        InputNode i => FormulaValue.Of(Input(i)),
        NegateNode n => Negate(Compile(n.Operand)),
        BinaryNode { Operator: '^' } b => Power(b, Compile(b.Left), Compile(b.Right)),
        BinaryNode b => Arithmetic(b, Compile(b.Left), Compile(b.Right)),
        CallNode c => Call(c, c.Arguments.Select(Compile).ToArray()),
        _ => throw new InvalidOperationException($"Unknown formula node {node.GetType().Name}."),
    };

    private Expr Input(InputNode input)
    {
        var d = x.Length;
        if (input.Start is { } start && start >= d)
        {
            throw new FormulaException(input.StartPosition, $"{input.Text} is outside a vector of dimension {d} (indices 0 to {d - 1})");
        }

        if (input.End is { } end && end > d)
        {
            throw new FormulaException(input.EndPosition, $"{input.Text} is outside a vector of dimension {d} (a slice ends at {d} at most)");
        }

        return input.IsIndex ? x[input.Start!.Value] : x[(input.Start ?? 0)..(input.End ?? d)];
    }

    private static FormulaValue Negate(FormulaValue a) => a.IsConstant ? FormulaValue.Of(-a.Constant) : FormulaValue.Of(-a.Symbolic!);

    private static FormulaValue Arithmetic(BinaryNode node, FormulaValue a, FormulaValue b)
    {
        if (a.IsConstant && b.IsConstant)
        {
            return Folded(node.Position, node.Operator switch
            {
                '+' => a.Constant + b.Constant,
                '-' => a.Constant - b.Constant,
                '*' => a.Constant * b.Constant,
                _ => a.Constant / b.Constant,
            });
        }

        if (a.Length != b.Length && a.Length != 1 && b.Length != 1)
        {
            throw new FormulaException(node.Position,
                $"'{node.Operator}' needs operands of one length or a scalar; found lengths {a.Length} and {b.Length}");
        }

        Expr left = a.AsExpr, right = b.AsExpr;
        return FormulaValue.Of(node.Operator switch
        {
            '+' => left + right,
            '-' => left - right,
            '*' => left * right,
            _ => left / right,
        });
    }

    // base ^ exponent, element-wise with a scalar exponent. A constant exponent is Ad.Pow (1 and 2 map to the exact
    // identity and square); a variable exponent is exp(exponent · log(base)), defined where the base is positive.
    private static FormulaValue Power(BinaryNode node, FormulaValue @base, FormulaValue exponent)
    {
        if (exponent.Length != 1)
        {
            throw new FormulaException(node.Position, $"the exponent of '^' must be a scalar; found a vector of length {exponent.Length}");
        }

        if (@base.IsConstant && exponent.IsConstant)
        {
            return Folded(node.Position, Math.Pow(@base.Constant, exponent.Constant));
        }

        if (exponent.IsConstant)
        {
            var b = @base.Symbolic!;
            return FormulaValue.Of(exponent.Constant switch
            {
                0 => (0.0 * b) + 1.0,
                1 => b,
                2 => Ad.Square(b),
                var p => Ad.Pow(b, p),
            });
        }

        if (@base.IsConstant && !(@base.Constant > 0))
        {
            throw new FormulaException(node.Position,
                $"a constant raised to a power of x must be positive; found {FunctionCatalog.Format(@base.Constant)}");
        }

        var logBase = @base.IsConstant ? (Expr)Math.Log(@base.Constant) : Ad.Log(@base.Symbolic!);
        return FormulaValue.Of(Ad.Exp(exponent.Symbolic! * logBase));
    }

    private static FormulaValue Call(CallNode call, FormulaValue[] args)
    {
        var a = args[0];
        switch (call.Name)
        {
            case "dot":
                var b = args[1];
                if (a.Length != b.Length)
                {
                    throw new FormulaException(call.Position, $"dot needs two vectors of one length; found lengths {a.Length} and {b.Length}");
                }

                return a.IsConstant && b.IsConstant ? Folded(call.Position, a.Constant * b.Constant) : FormulaValue.Of(Ad.Dot(a.AsExpr, b.AsExpr));
            case "sum":
                return a.IsConstant ? a : FormulaValue.Of(Ad.Sum(a.Symbolic!));
            case "mean":
                return a.IsConstant ? a : FormulaValue.Of(a.Length == 1 ? a.Symbolic! : Ad.Sum(a.Symbolic!) / a.Length);
        }

        if (a.IsConstant)
        {
            return Folded(call.Position, call.Name switch
            {
                "exp" => Math.Exp(a.Constant),
                "log" => Math.Log(a.Constant),
                "sqrt" => Math.Sqrt(a.Constant),
                "sin" => Math.Sin(a.Constant),
                "cos" => Math.Cos(a.Constant),
                "tanh" => Math.Tanh(a.Constant),
                "sigmoid" => 1 / (1 + Math.Exp(-a.Constant)),
                var name => throw new InvalidOperationException($"The formula function '{name}' has no compilation."),
            });
        }

        var v = a.Symbolic!;
        return FormulaValue.Of(call.Name switch
        {
            "exp" => Ad.Exp(v),
            "log" => Ad.Log(v),
            "sqrt" => Ad.Sqrt(v),
            "sin" => Ad.Sin(v),
            "cos" => Ad.Cos(v),
            "tanh" => Ad.Tanh(v),
            "sigmoid" => Ad.Sigmoid(v),
            var name => throw new InvalidOperationException($"The formula function '{name}' has no compilation."),
        });
    }

    // Constant-only arithmetic is folded here, so a NaN or infinity in it is the formula's fault, found before any data.
    private static FormulaValue Folded(int position, double value) => double.IsFinite(value)
        ? FormulaValue.Of(value)
        : throw new FormulaException(position, $"this constant part of the formula evaluates to {(double.IsNaN(value) ? "NaN" : "infinity")}");
}
