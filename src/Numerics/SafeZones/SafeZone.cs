using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics;

/// <summary>
/// The local constraint a node checks on every data update (paper Sec. 3; reference <c>automon_node.py</c>):
/// domain box, then the lower and upper difference-of-convex constraints with tangents precomputed at sync time,
/// then f(point) within [L, U]. Q(x) = (x - x0)^T A (x - x0) with A the ADCD-E signed Hessian or lambda * I (ADCD-X).
/// Convex: g = f - Q/2, h = -Q/2, grad g(x0) = grad f(x0), grad h(x0) = 0.
/// Concave: g = Q/2, h = Q/2 - f, grad g(x0) = 0, grad h(x0) = -grad f(x0).
/// Upper: g(p) &lt;= h(x0) + grad h(x0).(p - x0) + U (skipped when U &gt;= maxF).
/// Lower: h(p) &lt;= g(x0) + grad g(x0).(p - x0) - L (skipped when L &lt;= minF).
/// Sync allocates nothing after the first DC argument of each kind (an immutable matrix is shared, not copied);
/// <see cref="Check"/> never allocates (its buffers are the safe zone's own, or with a shared evaluator the thread's, made at
/// its first check of a dimension). Not thread-safe.
/// </summary>
public sealed class SafeZone
{
    private readonly IMonitoredFunction _function;
    private readonly int _d;
    private readonly double[] _referencePoint;
    private readonly Workspace? _own; // null: the thread's (safe zones sharing the function's evaluator)

    // Tangent planes: lower uses g(x0) and grad g(x0), upper uses h(x0) and grad h(x0) (reference names).
    private readonly double[] _gradientG;
    private readonly double[] _gradientH;
    private double _valueG;
    private double _valueH;

    // DC argument: the signed Hessian A (d*d row-major), or lambda for lambda * I.
    private double[]? _signedHessian; // never written through when shared (!_ownsMatrix)
    private bool _ownsMatrix;
    private SparseColumns? _sparse; // the matrix's non-zeros when it has few (inner product), else null
    private SparseColumns? _sparseBuffers; // kept across syncs so a rebuild allocates nothing
    private double _extremeEigenvalue;
    private bool _hasMatrixArgument;
    private bool _hasArgument;

    private bool _lowerActive;
    private bool _upperActive;

    /// <summary>
    /// A safe zone for <paramref name="function"/> with its own evaluator. minF / maxF are the function's known range
    /// (use -inf / +inf when unknown); they decide when a constraint or bound side is skipped.
    /// </summary>
    public SafeZone(DifferentiableFunction function, double minF = double.NegativeInfinity, double maxF = double.PositiveInfinity)
        : this(function, minF, maxF, shareEvaluator: false)
    {
    }

    /// <summary>
    /// As <see cref="SafeZone(DifferentiableFunction, double, double)"/>; with <paramref name="shareEvaluator"/> f is
    /// evaluated by the function's evaluator of the calling thread (<see cref="DifferentiableFunction.Value"/>), the same
    /// values bit for bit: the safe zones of many nodes (10,000 on a silo) then hold no workspace of their own.
    /// </summary>
    public SafeZone(DifferentiableFunction function, double minF, double maxF, bool shareEvaluator)
        : this(
            shareEvaluator
                ? new SharedEvaluatorFunction(function ?? throw new ArgumentNullException(nameof(function)))
                : new EvaluatorFunction((function ?? throw new ArgumentNullException(nameof(function))).CreateEvaluator()),
            minF,
            maxF)
    {
    }

    internal SafeZone(IMonitoredFunction function, double minF, double maxF)
    {
        _function = function;
        _d = function.Dimension;
        if (_d <= 0)
        {
            throw new ArgumentException($"Function dimension must be positive, was {_d}.", nameof(function));
        }

        if (double.IsNaN(minF) || double.IsNaN(maxF) || minF > maxF)
        {
            throw new ArgumentException($"Function range [{minF}, {maxF}] is not a valid interval.", nameof(minF));
        }

        MinF = minF;
        MaxF = maxF;
        _referencePoint = new double[_d];
        _gradientG = new double[_d];
        _gradientH = new double[_d];
        LastValue = double.NaN;

        // A safe zone with an evaluator of its own keeps its buffers too: the thread's cost a thread-static read per check
        // (6-8 ns of the simulation's 122-125 ns node check).
        _own = function is SharedEvaluatorFunction ? null : Workspace.Create(_d);
    }

    public int Dimension => _d;

    public double MinF { get; }

    public double MaxF { get; }

    /// <summary>False until the first Sync.</summary>
    public bool IsSynced { get; private set; }

    public ReadOnlySpan<double> ReferencePoint => _referencePoint;

    public double LowerThreshold { get; private set; }

    public double UpperThreshold { get; private set; }

    public DcType DcType { get; private set; }

    /// <summary>The domain / neighbourhood box of the last sync; null = all of R^d.</summary>
    public BoxDomain? Domain { get; private set; }

    /// <summary>f(x0) computed at the last sync.</summary>
    public double ValueAtReferencePoint { get; private set; }

    /// <summary>f(point) of the last <see cref="Check"/> when it evaluated f, else NaN.</summary>
    public double LastValue { get; private set; }

    /// <summary>
    /// Full sync with an ADCD-E argument: <paramref name="signedHessian"/> is H_minus (Convex) or H_plus (Concave), d*d row-major.
    /// </summary>
    public void Sync(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, ReadOnlySpan<double> signedHessian, BoxDomain? domain)
    {
        ValidateMatrix(signedHessian);
        ValidateCommon(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
        if (!_ownsMatrix || _signedHessian is null)
        {
            _signedHessian = new double[_d * _d];
            _ownsMatrix = true;
            signedHessian.CopyTo(_signedHessian);
            SetSparse(_signedHessian);
        }
        else if (!MemoryMarshal.AsBytes(signedHessian).SequenceEqual(MemoryMarshal.AsBytes(_signedHessian.AsSpan())))
        {
            // The coordinator's verifier gets the same matrix at every full sync: only another one is copied and
            // scanned for its sparse form.
            signedHessian.CopyTo(_signedHessian);
            SetSparse(_signedHessian);
        }

        _hasMatrixArgument = true;
        _hasArgument = true;
        Apply(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
    }

    /// <summary>
    /// As the span overload, but the matrix is kept by reference, not copied: safe zones synced with the same immutable
    /// matrix (the coordinator sends one to all nodes) share it, so a host's nodes hold one d×d copy and check against
    /// it from one cache.
    /// </summary>
    public void SyncShared(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, ImmutableArray<double> signedHessian, BoxDomain? domain)
    {
        ValidateMatrix(signedHessian.AsSpan());
        ValidateCommon(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
        var matrix = ImmutableCollectionsMarshal.AsArray(signedHessian)!;
        if (!ReferenceEquals(matrix, _signedHessian))
        {
            // The coordinator sends its matrix once; later syncs with the same one keep its sparse form, which the safe
            // zones sharing the matrix also share (its own buffers stay for a later owned matrix).
            _sparse = SparseColumns.Shared(matrix, _d);
        }

        _signedHessian = matrix;
        _ownsMatrix = false;
        _hasMatrixArgument = true;
        _hasArgument = true;
        Apply(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
    }

    // The buffers of one check or sync, per thread rather than per safe zone: nothing in them outlives the call.
    private Workspace Work => _own ?? ThreadWork();

    // Out of line so that Work inlines into the checks of a safe zone with its own buffers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Workspace ThreadWork() => Workspace.Current is { } work && work.Dimension == _d ? work : Workspace.For(_d);

    private void SetSparse(double[] matrix)
    {
        _sparseBuffers = SparseColumns.Build(matrix, _d, _sparseBuffers) ?? _sparseBuffers;
        _sparse = _sparseBuffers is not null && ReferenceEquals(_sparseBuffers.Matrix, matrix) ? _sparseBuffers : null;
    }

    private void ValidateMatrix(ReadOnlySpan<double> signedHessian)
    {
        if (signedHessian.Length != _d * _d)
        {
            throw new ArgumentException($"Signed Hessian has {signedHessian.Length} entries; a {_d}x{_d} matrix needs {_d * _d}.", nameof(signedHessian));
        }

        for (var k = 0; k < signedHessian.Length; k++)
        {
            if (!double.IsFinite(signedHessian[k]))
            {
                throw new ArgumentException($"Signed Hessian entry ({k / _d}, {k % _d}) is {signedHessian[k]}.", nameof(signedHessian));
            }
        }
    }

    /// <summary>Full sync with an ADCD-X argument: A = extremeEigenvalue * I (lambda_min_minus for Convex, lambda_max_plus for Concave; may be infinite).</summary>
    public void Sync(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, double extremeEigenvalue, BoxDomain? domain)
    {
        if (double.IsNaN(extremeEigenvalue))
        {
            throw new ArgumentException("Extreme eigenvalue (the ADCD-X DC argument) is NaN.", nameof(extremeEigenvalue));
        }

        ValidateCommon(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
        _extremeEigenvalue = extremeEigenvalue;
        _hasMatrixArgument = false;
        _hasArgument = true;
        Apply(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
    }

    /// <summary>
    /// Full sync that keeps the previous DC argument (the reference sends the ADCD-E matrix only in the first sync).
    /// Throws InvalidOperationException if no argument was ever given.
    /// </summary>
    public void Sync(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, BoxDomain? domain)
    {
        if (!_hasArgument)
        {
            throw new InvalidOperationException("Sync without a DC argument needs an earlier sync that carried one (the signed Hessian or the extreme eigenvalue).");
        }

        ValidateCommon(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
        Apply(referencePoint, lowerThreshold, upperThreshold, dcType, domain);
    }

    /// <summary>
    /// <see cref="Check(ReadOnlySpan{double})"/> of x − slack (a node's check), formed in the safe zone's own buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SafeZoneResult Check(ReadOnlySpan<double> x, ReadOnlySpan<double> slack)
    {
        if (x.Length != _d || slack.Length != _d)
        {
            ThrowPointLength(x.Length != _d ? x.Length : slack.Length);
        }

        // x − slack and (x − slack) − x0 in one pass (the same two roundings per element), with the finiteness the
        // sparse product needs.
        var work = Work;
        var finite = QuadraticForm.SubtractTwice(x, slack, _referencePoint, work.Point, work.Diff);
        return Check(work.Point, finite, work);
    }

    /// <summary>
    /// Checks <paramref name="point"/> (= x - slack, computed by the caller) in the reference's order: domain, lower and upper
    /// DC constraints, bounds on f(point). Evaluates f at most once. Allocation-free. Throws if not synced or on a length mismatch.
    /// </summary>
    // Fully optimised from the first call: a run's checks would otherwise spend their first 100+ ms in tier-0 code
    // (no inlining) while the run keeps jitting new methods and so delays the tier-up (docs/performance.md).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SafeZoneResult Check(ReadOnlySpan<double> point)
    {
        if (point.Length != _d)
        {
            ThrowPointLength(point.Length);
        }

        // Elementwise kernels of our own rather than TensorPrimitives: same bits (one rounding per element), and they
        // do not go through generic wrappers that start at tier 0.
        var work = Work;
        QuadraticForm.Subtract(point, _referencePoint, work.Diff);
        return Check(point, _sparse is not null && QuadraticForm.AllFinite(work.Diff), work);
    }

    // point − x0 is in work.Diff; finite: no coordinate of it is NaN or ±∞.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SafeZoneResult Check(ReadOnlySpan<double> point, bool finite, Workspace work)
    {
        if (!IsSynced)
        {
            ThrowNotSynced();
        }

        LastValue = double.NaN;
        if (Domain is not null && !Domain.Contains(point))
        {
            return SafeZoneResult.Domain;
        }

        var diff = work.Diff;
        var product = work.Product.AsSpan();
        if (_hasMatrixArgument)
        {
            // The sparse product skips x_i · 0 terms: exact only for finite x (∞ · 0 is NaN).
            if (_sparse is not null && finite)
            {
                _sparse.VectorTimesMatrix(work.PaddedDiff, product);
            }
            else
            {
                QuadraticForm.VectorTimesMatrix(diff, _signedHessian, product);
            }
        }
        else
        {
            QuadraticForm.Scale(diff, _extremeEigenvalue, product);
        }

        // Q = (p - x0) @ A @ (p - x0) and both tangent terms grad . (p - x0) in one pass. The zero gradient's term is computed
        // too: as in the reference it is 0, or NaN for a non-finite point.
        var (q, tangentG, tangentH) = QuadraticForm.Dot3(product, _gradientG, _gradientH, diff);
        if (!_hasMatrixArgument)
        {
            q = QuadraticForm.ScaledIdentityNaN(q, diff);
        }

        var convex = DcType == DcType.Convex;
        var f = double.NaN;
        var haveF = false;

        if (_lowerActive)
        {
            // h(p) <= g(x0) + grad g(x0) . (p - x0) - L
            double h;
            if (convex)
            {
                h = -0.5 * q;
            }
            else
            {
                f = _function.Value(point);
                haveF = true;
                h = -(f - (0.5 * q));
            }

            if (!(h <= _valueG + tangentG - LowerThreshold))
            {
                LastValue = f;
                return SafeZoneResult.SafeZone;
            }
        }

        if (_upperActive)
        {
            // g(p) <= h(x0) + grad h(x0) . (p - x0) + U
            double g;
            if (convex)
            {
                if (!haveF)
                {
                    f = _function.Value(point);
                    haveF = true;
                }

                g = f - (0.5 * q);
            }
            else
            {
                g = -(-0.5 * q);
            }

            if (!(g <= _valueH + tangentH + UpperThreshold))
            {
                LastValue = f;
                return SafeZoneResult.SafeZone;
            }
        }

        if (!_lowerActive && !_upperActive)
        {
            // Both bound sides are skipped too (reference _inside_bounds evaluates f but cannot fail).
            return SafeZoneResult.Inside;
        }

        if (!haveF)
        {
            f = _function.Value(point);
        }

        LastValue = f;
        var insideBounds = (LowerThreshold <= f || !_lowerActive) && (f <= UpperThreshold || !_upperActive);
        return insideBounds ? SafeZoneResult.Inside : SafeZoneResult.FaultySafeZone;
    }

    private double DcOperator(ReadOnlySpan<double> diff, double[] product) =>
        _hasMatrixArgument
            ? QuadraticForm.Evaluate(_signedHessian, diff, product)
            : QuadraticForm.EvaluateScaledIdentity(_extremeEigenvalue, diff, product);

    private void ValidateCommon(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, BoxDomain? domain)
    {
        if (referencePoint.Length != _d)
        {
            throw new ArgumentException($"Reference point has {referencePoint.Length} coordinates; the function has dimension {_d}.", nameof(referencePoint));
        }

        for (var i = 0; i < referencePoint.Length; i++)
        {
            if (!double.IsFinite(referencePoint[i]))
            {
                throw new ArgumentException($"Reference point coordinate {i} is {referencePoint[i]}.", nameof(referencePoint));
            }
        }

        if (double.IsNaN(lowerThreshold) || double.IsNaN(upperThreshold))
        {
            throw new ArgumentException($"Thresholds must not be NaN (L = {lowerThreshold}, U = {upperThreshold}).", nameof(lowerThreshold));
        }

        if (dcType is not (DcType.Convex or DcType.Concave))
        {
            throw new ArgumentOutOfRangeException(nameof(dcType), dcType, "Unknown DC type.");
        }

        if (domain is not null && domain.Dimension != _d)
        {
            throw new ArgumentException($"Domain box has {domain.Dimension} coordinates; the function has dimension {_d}.", nameof(domain));
        }
    }

    private void Apply(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, BoxDomain? domain)
    {
        referencePoint.CopyTo(_referencePoint);
        LowerThreshold = lowerThreshold;
        UpperThreshold = upperThreshold;
        DcType = dcType;
        Domain = domain;

        // The reference skips a DC constraint (and the same side of the bound check) when its threshold is beyond f's range.
        _lowerActive = !(lowerThreshold <= MinF);
        _upperActive = !(upperThreshold >= MaxF);

        var work = Work;
        var gradientF = work.Product.AsSpan();
        var fAtX0 = _function.ValueAndGradient(_referencePoint, gradientF);
        ValueAtReferencePoint = fAtX0;

        // Q(x0) goes through the same operator as every check: 0, or NaN when A is infinite (ADCD-X with lambda = +-inf).
        work.Diff.Clear();
        if (dcType == DcType.Convex)
        {
            gradientF.CopyTo(_gradientG);
            _gradientH.AsSpan().Clear();
        }
        else
        {
            _gradientG.AsSpan().Clear();
            TensorPrimitives.Negate(gradientF, _gradientH);
        }

        var qAtX0 = DcOperator(work.Diff, work.Product);
        if (dcType == DcType.Convex)
        {
            _valueG = fAtX0 - (0.5 * qAtX0);
            _valueH = -0.5 * qAtX0;
        }
        else
        {
            _valueG = -(-0.5 * qAtX0);
            _valueH = -(fAtX0 - (0.5 * qAtX0));
        }

        IsSynced = true;
    }

    [DoesNotReturn]
    private void ThrowPointLength(int length) =>
        throw new ArgumentException($"Point has {length} coordinates; the safe zone has dimension {_d}.", "point");

    [DoesNotReturn]
    private static void ThrowNotSynced() =>
        throw new InvalidOperationException("The safe zone has no constraints yet: call Sync first (before its first sync a node reports every update).");

    /// <summary>A thread's buffers for the checks and syncs of its safe zones of one dimension.</summary>
    private sealed class Workspace
    {
        [ThreadStatic]
        internal static Workspace? Current;

        [ThreadStatic]
        private static Dictionary<int, Workspace>? byDimension;

        private Workspace(int d)
        {
            Dimension = d;
            Point = new double[d];
            PaddedDiff = new double[(3 * d) - 2];
            Product = new double[d];
        }

        public int Dimension { get; }

        /// <summary>x − slack.</summary>
        public double[] Point { get; }

        /// <summary>p − x0 at [d − 1, 2d − 1), zeros around it (never written): the sparse product reads it as is.</summary>
        public double[] PaddedDiff { get; }

        /// <summary>diff @ A, or ∇f(x0) during a sync.</summary>
        public double[] Product { get; }

        public Span<double> Diff => PaddedDiff.AsSpan(Dimension - 1, Dimension);

        internal static Workspace Create(int d) => new(d);

        // A thread that checks safe zones of several dimensions keeps one workspace each: no check allocates after the first.
        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static Workspace For(int d)
        {
            var all = byDimension ??= [];
            if (!all.TryGetValue(d, out var work))
            {
                all[d] = work = new Workspace(d);
            }

            return Current = work;
        }
    }
}
