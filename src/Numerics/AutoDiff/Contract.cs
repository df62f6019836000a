// TEMPORARY public surface of the AD engine; implementation lands next commit.
namespace AutoMon.Numerics.AutoDiff;

/// <summary>A traced vector value of a function definition (a scalar is a vector of length 1).</summary>
public sealed partial class Expr
{
    public int Length => throw new NotImplementedException();
    public bool IsScalar => Length == 1;
    public Expr this[int index] => throw new NotImplementedException();
    public Expr this[Range range] => throw new NotImplementedException();
    public static Expr operator +(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator -(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator *(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator /(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator +(Expr a, double b) => throw new NotImplementedException();
    public static Expr operator -(Expr a, double b) => throw new NotImplementedException();
    public static Expr operator *(Expr a, double b) => throw new NotImplementedException();
    public static Expr operator /(Expr a, double b) => throw new NotImplementedException();
    public static Expr operator +(double a, Expr b) => throw new NotImplementedException();
    public static Expr operator -(double a, Expr b) => throw new NotImplementedException();
    public static Expr operator *(double a, Expr b) => throw new NotImplementedException();
    public static Expr operator /(double a, Expr b) => throw new NotImplementedException();
    public static Expr operator -(Expr a) => throw new NotImplementedException();
    public static Expr operator >(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator <(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator >=(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator <=(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr operator >(Expr a, double b) => throw new NotImplementedException();
    public static Expr operator <(Expr a, double b) => throw new NotImplementedException();
    public static Expr operator >=(Expr a, double b) => throw new NotImplementedException();
    public static Expr operator <=(Expr a, double b) => throw new NotImplementedException();
}

public static partial class Ad
{
    public static Expr Exp(Expr a) => throw new NotImplementedException();
    public static Expr Log(Expr a) => throw new NotImplementedException();
    public static Expr Sqrt(Expr a) => throw new NotImplementedException();
    public static Expr Pow(Expr a, double exponent) => throw new NotImplementedException();
    public static Expr Sin(Expr a) => throw new NotImplementedException();
    public static Expr Cos(Expr a) => throw new NotImplementedException();
    public static Expr Tanh(Expr a) => throw new NotImplementedException();
    public static Expr Sigmoid(Expr a) => throw new NotImplementedException();
    public static Expr Relu(Expr a) => throw new NotImplementedException();
    public static Expr Abs(Expr a) => throw new NotImplementedException();
    public static Expr Max(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr Min(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr Square(Expr a) => throw new NotImplementedException();
    /// <summary>Branch-free elementwise choice: where condition != 0 take whenTrue, else whenFalse. No gradient flows into the branch not taken.</summary>
    public static Expr Select(Expr condition, Expr whenTrue, Expr whenFalse) => throw new NotImplementedException();
    public static Expr Select(Expr condition, Expr whenTrue, double whenFalse) => throw new NotImplementedException();
    public static Expr Select(Expr condition, double whenTrue, Expr whenFalse) => throw new NotImplementedException();
    public static Expr Sum(Expr a) => throw new NotImplementedException();
    public static Expr Dot(Expr a, Expr b) => throw new NotImplementedException();
    public static Expr Norm(Expr a) => throw new NotImplementedException();
    /// <summary>weights (rows x cols, row-major) times a (length cols).</summary>
    public static Expr MatVec(double[,] weights, Expr a) => throw new NotImplementedException();
    /// <summary>A dense layer: weights * a + bias.</summary>
    public static Expr Dense(double[,] weights, double[] bias, Expr a) => throw new NotImplementedException();
    public static Expr Concat(params Expr[] parts) => throw new NotImplementedException();
}

/// <summary>f: R^d -> R defined once as code; value, gradient and Hessian come from the one definition.</summary>
public sealed partial class DifferentiableFunction
{
    public string Name => throw new NotImplementedException();
    public int Dimension => throw new NotImplementedException();
    public static DifferentiableFunction Create(string name, int dimension, Func<Expr, Expr> definition) => throw new NotImplementedException();
    /// <summary>A non-thread-safe evaluator with its own workspace; allocation-free after creation.</summary>
    public FunctionEvaluator CreateEvaluator() => throw new NotImplementedException();
    // Thread-safe conveniences (they rent an evaluator per thread).
    public double Value(ReadOnlySpan<double> x) => throw new NotImplementedException();
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient) => throw new NotImplementedException();
    public double ValueGradientHessian(ReadOnlySpan<double> x, Span<double> gradient, Span<double> hessian) => throw new NotImplementedException();
}

public sealed partial class FunctionEvaluator
{
    public int Dimension => throw new NotImplementedException();
    public double Value(ReadOnlySpan<double> x) => throw new NotImplementedException();
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient) => throw new NotImplementedException();
    /// <summary>hessian is d*d, row-major.</summary>
    public double ValueGradientHessian(ReadOnlySpan<double> x, Span<double> gradient, Span<double> hessian) => throw new NotImplementedException();
}
