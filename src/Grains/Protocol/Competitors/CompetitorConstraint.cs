using AutoMon.Numerics;
using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// The local constraint of a competitor protocol, in place of AutoMon's <see cref="SafeZone"/>: synced with x0, L and U,
/// it checks a point in the reference's order (domain, then the protocol's safe zone). Nodes check x − slack; the
/// coordinator's verifier checks candidate points. Not thread-safe.
/// </summary>
public abstract class CompetitorConstraint
{
    private readonly BoxDomain? _domain;
    private readonly double[] _point;

    /// <summary>A constraint for <paramref name="function"/> (its domain included).</summary>
    protected CompetitorConstraint(MonitoredFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        Function = function;
        Evaluator = function.Function.CreateEvaluator();
        Dimension = function.Dimension;
        _domain = function.DomainBox();
        _point = new double[Dimension];
        X0 = new double[Dimension];
    }

    /// <summary>d.</summary>
    public int Dimension { get; }

    /// <summary>False until the first <see cref="Sync"/>.</summary>
    public bool IsSynced { get; private set; }

    /// <summary>L of the last sync.</summary>
    public double LowerThreshold { get; private set; }

    /// <summary>U of the last sync.</summary>
    public double UpperThreshold { get; private set; }

    /// <summary>The monitored function.</summary>
    protected MonitoredFunction Function { get; }

    /// <summary>An evaluator of f owned by this constraint.</summary>
    protected FunctionEvaluator Evaluator { get; }

    /// <summary>x0 of the last sync.</summary>
    protected double[] X0 { get; }

    /// <summary>The constraint of <paramref name="protocol"/> for <paramref name="function"/>.</summary>
    /// <exception cref="ArgumentException">AutoMon (whose constraint is a <see cref="SafeZone"/>) or an unsupported function.</exception>
    public static CompetitorConstraint Create(MonitoringProtocol protocol, MonitoredFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (protocol.Refusal(function.Name) is { } refusal)
        {
            throw new ArgumentException(refusal, nameof(function));
        }

        return (protocol, function.Name) switch
        {
            (MonitoringProtocol.Gm, "variance") => new GmVarianceConstraint(function),
            (MonitoringProtocol.Gm, _) => new GmEntropyConstraint(function),
            (MonitoringProtocol.Cb, "inner_product") => new CbInnerProductConstraint(function),
            (MonitoringProtocol.Cb, _) => new CbCosineSimilarityConstraint(function),
            (MonitoringProtocol.Rlv, _) => new RlvConstraint(function),
            _ => throw new ArgumentException("AutoMon's local constraint is a SafeZone, not a competitor's.", nameof(protocol)),
        };
    }

    /// <summary>Takes the constraints of a full sync.</summary>
    public void Sync(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold)
    {
        referencePoint.CopyTo(X0);
        LowerThreshold = lowerThreshold;
        UpperThreshold = upperThreshold;
        OnSync();
        IsSynced = true;
    }

    /// <summary>Back to the state before the first sync.</summary>
    public void Reset() => IsSynced = false;

    /// <summary>Checks x − slack (a node's check).</summary>
    public SafeZoneResult Check(ReadOnlySpan<double> x, ReadOnlySpan<double> slack)
    {
        for (var j = 0; j < Dimension; j++)
        {
            _point[j] = x[j] - slack[j];
        }

        return Check(_point);
    }

    /// <summary>Checks <paramref name="point"/>: domain first, then the protocol's safe zone (reference <c>inside_effective_safe_zone</c>).</summary>
    public SafeZoneResult Check(ReadOnlySpan<double> point)
    {
        if (!IsSynced)
        {
            throw new InvalidOperationException("The constraint is checked before its first sync.");
        }

        if (_domain is not null && !_domain.Contains(point))
        {
            return SafeZoneResult.Domain;
        }

        return Inside(point) ? SafeZoneResult.Inside : SafeZoneResult.SafeZone;
    }

    /// <summary>Is <paramref name="point"/> (inside the domain) inside the safe zone?</summary>
    protected abstract bool Inside(ReadOnlySpan<double> point);

    /// <summary>Precomputes what the check needs from the new x0, L and U.</summary>
    protected virtual void OnSync()
    {
    }

    /// <summary>Σ a_j b_j left to right (numpy's reference-BLAS dot).</summary>
    protected static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            sum += a[j] * b[j];
        }

        return sum;
    }
}
