namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// One element's partial derivatives of an elementwise operation u = φ(a, b) up to third order, for the Taylor pass
/// (<c>.Curvature</c>). Kept apart from <c>.Partials</c>, which fills whole spans up to second order for the hot paths.
/// </summary>
public sealed partial class FunctionEvaluator
{
    private readonly struct LocalPartials
    {
        public double A { get; init; }

        public double B { get; init; }

        public double AA { get; init; }

        public double AB { get; init; }

        public double BB { get; init; }

        public double AAA { get; init; }

        public double AAB { get; init; }

        public double ABB { get; init; }

        public double BBB { get; init; }

        public static LocalPartials Of(FunctionEvaluator e, GraphNode n, int i)
        {
            var u = e._values[n.Offset + i];
            var a = At(e.Values(n.FirstId), i);
            switch (n.Op)
            {
                case OpCode.Add:
                    return new() { A = 1, B = 1 };
                case OpCode.Subtract:
                    return new() { A = 1, B = -1 };
                case OpCode.Multiply:
                    return new() { A = At(e.Values(n.SecondId), i), B = a, AB = 1 };
                case OpCode.Divide:
                    {
                        var r = 1 / At(e.Values(n.SecondId), i);
                        return new() { A = r, B = -u * r, AB = -r * r, BB = 2 * u * r * r, ABB = 2 * r * r * r, BBB = -6 * u * r * r * r };
                    }

                case OpCode.Max:
                case OpCode.Min:
                    {
                        // Piecewise linear; a tie splits the derivative evenly, as in .Partials.
                        var b = At(e.Values(n.SecondId), i);
                        if (a == b)
                        {
                            return new() { A = 0.5, B = 0.5 };
                        }

                        var first = n.Op == OpCode.Max ? a > b : a < b;
                        return first ? new() { A = 1 } : new() { B = 1 };
                    }

                case OpCode.Select:
                    return At(e.Values(n.ConditionId), i) != 0 ? new() { A = 1 } : new() { B = 1 };
            }

            var p = n.Exponent;
            var (d1, d2, d3) = n.Op switch
            {
                OpCode.Negate => (-1.0, 0.0, 0.0),
                OpCode.Exp => (u, u, u),
                OpCode.Log => (1 / a, -1 / (a * a), 2 / (a * a * a)),
                OpCode.Sqrt => (0.5 / u, -0.25 / (u * u * u), 0.375 / (u * u * u * u * u)),
                OpCode.Pow => (p * Math.Pow(a, p - 1), p * (p - 1) * Math.Pow(a, p - 2), p * (p - 1) * (p - 2) * Math.Pow(a, p - 3)),
                OpCode.Sin => (Math.Cos(a), -u, -Math.Cos(a)),
                OpCode.Cos => (-Math.Sin(a), -u, Math.Sin(a)),
                OpCode.Tanh => Tanh(u),
                OpCode.Sigmoid => Sigmoid(u),
                OpCode.Relu => (a > 0 ? 1.0 : 0.0, 0.0, 0.0),
                OpCode.Abs => (a > 0 ? 1.0 : a < 0 ? -1.0 : 0.0, 0.0, 0.0),
                OpCode.Square => (2 * a, 2.0, 0.0),
                _ => throw new InvalidOperationException($"No derivative rule for {n.Op}."),
            };
            return new() { A = d1, AA = d2, AAA = d3 };
        }

        // tanh' = 1 - y², tanh'' = -2y·tanh', tanh''' = tanh'·(6y² - 2).
        private static (double, double, double) Tanh(double y)
        {
            var d1 = 1 - (y * y);
            return (d1, -2 * y * d1, d1 * ((6 * y * y) - 2));
        }

        // σ' = y(1 - y), σ'' = σ'(1 - 2y), σ''' = σ'(1 - 2y)² - 2σ'².
        private static (double, double, double) Sigmoid(double y)
        {
            var d1 = y * (1 - y);
            var s = 1 - (2 * y);
            return (d1, d1 * s, (d1 * s * s) - (2 * d1 * d1));
        }
    }
}
