namespace AutoMon.Numerics.Tests;

/// <summary>Functions with hand-written value, gradient and Hessian: oracles independent of the AD engine.</summary>
internal abstract class ClosedForm : IMonitoredFunction, IHessianFunction
{
    protected ClosedForm(int dimension) => Dimension = dimension;

    public int Dimension { get; }

    public int ValueCalls { get; private set; }

    public double Value(ReadOnlySpan<double> x)
    {
        ValueCalls++;
        return F(x);
    }

    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        Gradient(x, gradient);
        return F(x);
    }

    public abstract double F(ReadOnlySpan<double> x);

    public abstract void Gradient(ReadOnlySpan<double> x, Span<double> gradient);

    public abstract void Hessian(ReadOnlySpan<double> x, Span<double> hessian);

    /// <summary>∇ₓ(vᵀH(x)v); zero unless overridden (constant Hessians).</summary>
    public virtual void CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient) => gradient.Clear();
}

/// <summary>f(x) = x[:d/2] . x[d/2:] (reference func_inner_product). Hessian [[0, I], [I, 0]], eigenvalues +-1.</summary>
internal sealed class InnerProduct(int dimension) : ClosedForm(dimension)
{
    private int Half => Dimension / 2;

    public override double F(ReadOnlySpan<double> x)
    {
        var sum = 0.0;
        for (var i = 0; i < Half; i++)
        {
            sum += x[i] * x[Half + i];
        }

        return sum;
    }

    public override void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        for (var i = 0; i < Half; i++)
        {
            gradient[i] = x[Half + i];
            gradient[Half + i] = x[i];
        }
    }

    public override void Hessian(ReadOnlySpan<double> x, Span<double> hessian)
    {
        hessian.Clear();
        for (var i = 0; i < Half; i++)
        {
            hessian[(i * Dimension) + Half + i] = 1;
            hessian[((Half + i) * Dimension) + i] = 1;
        }
    }
}

/// <summary>f(x) = x^T H x with a symmetric H; gradient 2 H x, Hessian 2 H.</summary>
internal sealed class QuadraticFunction(double[,] h) : ClosedForm(h.GetLength(0))
{
    public override double F(ReadOnlySpan<double> x)
    {
        var sum = 0.0;
        for (var i = 0; i < Dimension; i++)
        {
            for (var j = 0; j < Dimension; j++)
            {
                sum += x[i] * h[i, j] * x[j];
            }
        }

        return sum;
    }

    public override void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        for (var i = 0; i < Dimension; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < Dimension; j++)
            {
                sum += (h[i, j] + h[j, i]) * x[j];
            }

            gradient[i] = sum;
        }
    }

    public override void Hessian(ReadOnlySpan<double> x, Span<double> hessian)
    {
        for (var i = 0; i < Dimension; i++)
        {
            for (var j = 0; j < Dimension; j++)
            {
                hessian[(i * Dimension) + j] = h[i, j] + h[j, i];
            }
        }
    }
}

/// <summary>2-d Rosenbrock (reference func_rozenbrock with d = 2): (1 - x)^2 + 100 (y - x^2)^2.</summary>
internal sealed class Rosenbrock2 : ClosedForm
{
    public Rosenbrock2()
        : base(2)
    {
    }

    public override double F(ReadOnlySpan<double> v)
    {
        var (x, y) = (v[0], v[1]);
        return ((1 - x) * (1 - x)) + (100 * (y - (x * x)) * (y - (x * x)));
    }

    public override void Gradient(ReadOnlySpan<double> v, Span<double> gradient)
    {
        var (x, y) = (v[0], v[1]);
        gradient[0] = (-2 * (1 - x)) - (400 * x * (y - (x * x)));
        gradient[1] = 200 * (y - (x * x));
    }

    public override void Hessian(ReadOnlySpan<double> v, Span<double> hessian)
    {
        var (x, y) = (v[0], v[1]);
        hessian[0] = 2 - (400 * y) + (1200 * x * x);
        hessian[1] = -400 * x;
        hessian[2] = -400 * x;
        hessian[3] = 200;
    }

    // dH/dx = [[2400x, -400], [-400, 0]], dH/dy = [[-400, 0], [0, 0]].
    public override void CurvatureGradient(ReadOnlySpan<double> v, ReadOnlySpan<double> direction, Span<double> gradient)
    {
        var (a, b) = (direction[0], direction[1]);
        gradient[0] = (2400 * v[0] * a * a) - (800 * a * b);
        gradient[1] = -400 * a * a;
    }
}

/// <summary>f(x) = sum sin(x_i): diagonal Hessian -sin(x_i), not constant.</summary>
internal sealed class SumOfSines(int dimension) : ClosedForm(dimension)
{
    public override double F(ReadOnlySpan<double> x)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += Math.Sin(v);
        }

        return sum;
    }

    public override void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        for (var i = 0; i < x.Length; i++)
        {
            gradient[i] = Math.Cos(x[i]);
        }
    }

    public override void Hessian(ReadOnlySpan<double> x, Span<double> hessian)
    {
        hessian.Clear();
        for (var i = 0; i < x.Length; i++)
        {
            hessian[(i * x.Length) + i] = -Math.Sin(x[i]);
        }
    }

    public override void CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient)
    {
        for (var i = 0; i < x.Length; i++)
        {
            gradient[i] = -Math.Cos(x[i]) * direction[i] * direction[i];
        }
    }
}

/// <summary>A Hessian that is NaN everywhere (as log at a boundary would give).</summary>
internal sealed class NaNHessian(int dimension) : ClosedForm(dimension)
{
    public override double F(ReadOnlySpan<double> x) => double.NaN;

    public override void Gradient(ReadOnlySpan<double> x, Span<double> gradient) => gradient.Fill(double.NaN);

    public override void Hessian(ReadOnlySpan<double> x, Span<double> hessian) => hessian.Fill(double.NaN);

    public override void CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient) => gradient.Fill(double.NaN);
}
