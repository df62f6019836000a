using System.Numerics.Tensors;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>The value pass: each recorded operation, in graph order, computes its value from its operands' values.</summary>
public sealed partial class FunctionEvaluator
{
    private void ForwardValue(GraphNode n)
    {
        var u = Values(n);
        switch (n.Op)
        {
            case OpCode.Constant:
                n.Constants.AsSpan().CopyTo(u);
                break;
            case OpCode.Add:
            case OpCode.Subtract:
            case OpCode.Multiply:
            case OpCode.Divide:
            case OpCode.Max:
            case OpCode.Min:
                ForwardBinary(n.Op, Values(n.FirstId), Values(n.SecondId), u);
                break;
            case OpCode.Greater:
            case OpCode.GreaterOrEqual:
            case OpCode.Less:
            case OpCode.LessOrEqual:
            case OpCode.Equal:
            case OpCode.NotEqual:
                ForwardCompare(n.Op, Values(n.FirstId), Values(n.SecondId), u);
                break;
            case OpCode.Negate:
                TensorPrimitives.Negate(Values(n.FirstId), u);
                break;
            case OpCode.Exp:
                TensorPrimitives.Exp(Values(n.FirstId), u);
                break;
            case OpCode.Log:
                TensorPrimitives.Log(Values(n.FirstId), u);
                break;
            case OpCode.Sqrt:
                TensorPrimitives.Sqrt(Values(n.FirstId), u);
                break;
            case OpCode.Pow:
                TensorPrimitives.Pow(Values(n.FirstId), n.Exponent, u);
                break;
            case OpCode.Sin:
                TensorPrimitives.Sin(Values(n.FirstId), u);
                break;
            case OpCode.Cos:
                TensorPrimitives.Cos(Values(n.FirstId), u);
                break;
            case OpCode.Tanh:
                TensorPrimitives.Tanh(Values(n.FirstId), u);
                break;
            case OpCode.Sigmoid:
                TensorPrimitives.Sigmoid(Values(n.FirstId), u);
                break;
            case OpCode.Relu:
                TensorPrimitives.Max(Values(n.FirstId), 0.0, u);
                break;
            case OpCode.Abs:
                TensorPrimitives.Abs(Values(n.FirstId), u);
                break;
            case OpCode.Square:
                {
                    var a = Values(n.FirstId);
                    TensorPrimitives.Multiply(a, a, u);
                    break;
                }

            case OpCode.Select:
                {
                    ReadOnlySpan<double> c = Values(n.ConditionId), a = Values(n.FirstId), b = Values(n.SecondId);
                    for (var i = 0; i < u.Length; i++)
                    {
                        u[i] = At(c, i) != 0 ? At(a, i) : At(b, i);
                    }

                    break;
                }

            case OpCode.Sum:
                u[0] = TensorPrimitives.Sum<double>(Values(n.FirstId));
                break;
            case OpCode.Dot:
                u[0] = TensorPrimitives.Dot<double>(Values(n.FirstId), Values(n.SecondId));
                break;
            case OpCode.MatVec:
                if (n.ConstantsByColumn is { } byColumn)
                {
                    DenseKernel.MultiplyByColumns(byColumn, n.Rows, n.Columns, Values(n.FirstId), u, _liveColumns);
                }
                else
                {
                    DenseKernel.Multiply(n.Constants, n.Rows, n.Columns, Values(n.FirstId), u);
                }

                break;

            case OpCode.Concat:
                {
                    var at = 0;
                    foreach (var p in n.PartIds!)
                    {
                        var part = Values(p);
                        part.CopyTo(u[at..]);
                        at += part.Length;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"No forward rule for {n.Op}.");
        }
    }


    private static void ForwardBinary(OpCode op, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> u)
    {
        if (a.Length == b.Length)
        {
            switch (op)
            {
                case OpCode.Add: TensorPrimitives.Add(a, b, u); break;
                case OpCode.Subtract: TensorPrimitives.Subtract(a, b, u); break;
                case OpCode.Multiply: TensorPrimitives.Multiply(a, b, u); break;
                case OpCode.Divide: TensorPrimitives.Divide(a, b, u); break;
                case OpCode.Max: TensorPrimitives.Max(a, b, u); break;
                default: TensorPrimitives.Min(a, b, u); break;
            }
        }
        else if (a.Length == 1)
        {
            var s = a[0];
            switch (op)
            {
                case OpCode.Add: TensorPrimitives.Add(b, s, u); break;
                case OpCode.Subtract: TensorPrimitives.Subtract(s, b, u); break;
                case OpCode.Multiply: TensorPrimitives.Multiply(b, s, u); break;
                case OpCode.Divide: TensorPrimitives.Divide(s, b, u); break;
                case OpCode.Max: TensorPrimitives.Max(b, s, u); break;
                default: TensorPrimitives.Min(b, s, u); break;
            }
        }
        else
        {
            var s = b[0];
            switch (op)
            {
                case OpCode.Add: TensorPrimitives.Add(a, s, u); break;
                case OpCode.Subtract: TensorPrimitives.Subtract(a, s, u); break;
                case OpCode.Multiply: TensorPrimitives.Multiply(a, s, u); break;
                case OpCode.Divide: TensorPrimitives.Divide(a, s, u); break;
                case OpCode.Max: TensorPrimitives.Max(a, s, u); break;
                default: TensorPrimitives.Min(a, s, u); break;
            }
        }
    }

    private static void ForwardCompare(OpCode op, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> u)
    {
        for (var i = 0; i < u.Length; i++)
        {
            double x = At(a, i), y = At(b, i);
            var r = op switch
            {
                OpCode.Greater => x > y,
                OpCode.GreaterOrEqual => x >= y,
                OpCode.Less => x < y,
                OpCode.LessOrEqual => x <= y,
                OpCode.Equal => x == y,
                _ => x != y,
            };
            u[i] = r ? 1 : 0;
        }
    }
}
