namespace AutoMon.Numerics.Tests.SafeZones;

using Adcd = AutoMon.Numerics.Adcd;

public class SafeZoneTests
{
    // f(x, y) = x * y has Hessian [[0, 1], [1, 0]]; its H_minus is [[-1, 1], [1, -1]] / 2, so Q(d) = -(dx - dy)^2 / 2.
    private static readonly double[] HMinusXy = [-0.5, 0.5, 0.5, -0.5];

    private static SafeZone SyncedXy(double lower, double upper, BoxDomain? domain = null, double minF = double.NegativeInfinity, double maxF = double.PositiveInfinity)
    {
        var zone = new SafeZone(new InnerProduct(2), minF, maxF);
        zone.Sync([1.0, 2.0], lower, upper, DcType.Convex, HMinusXy, domain);
        return zone;
    }

    [Fact]
    public void Reference_point_is_inside_when_its_value_is_within_the_thresholds()
    {
        Assert.Equal(SafeZoneResult.Inside, SyncedXy(1.5, 2.5).Check([1.0, 2.0]));
    }

    [Fact]
    public void Point_below_both_constraints_is_inside()
    {
        // p = (1.1, 2.1): Q = 0; upper: f = 2.31 <= 0 + 2.5; lower: 0 <= 2 + (2 * 0.1 + 1 * 0.1) - 1.5 = 0.8.
        Assert.Equal(SafeZoneResult.Inside, SyncedXy(1.5, 2.5).Check([1.1, 2.1]));
    }

    [Fact]
    public void Point_above_the_upper_constraint_is_a_safe_zone_violation()
    {
        // p = (1.3, 2.0): g = f - Q/2 = 2.6 + 0.25 * 0.09 = 2.6225 > 2.5.
        Assert.Equal(SafeZoneResult.SafeZone, SyncedXy(1.5, 2.5).Check([1.3, 2.0]));
    }

    [Fact]
    public void Point_violating_only_the_curvature_term_of_the_upper_constraint_is_a_safe_zone_violation()
    {
        // p = (1.3, 1.92): f = 2.496 <= U, but dx - dy = 0.38 so g = f + 0.25 * 0.38^2 = 2.5321 > U = 2.5.
        var zone = SyncedXy(1.5, 2.5);
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([1.3, 1.92]));
        Assert.Equal(2.496, zone.LastValue, 12);
    }

    [Fact]
    public void Point_below_the_lower_tangent_plane_is_a_safe_zone_violation()
    {
        // p = (0.8, 1.8): lower: h = 0 <= 2 + (2 * -0.2 + 1 * -0.2) - 1.9 = -0.5? No: violation.
        Assert.Equal(SafeZoneResult.SafeZone, SyncedXy(1.9, 2.5).Check([0.8, 1.8]));
    }

    [Fact]
    public void Lower_constraint_is_skipped_when_L_is_at_or_below_the_function_minimum()
    {
        // Same point as above, but L = 1.9 <= minF = 1.9: no lower constraint and no lower bound check.
        Assert.Equal(SafeZoneResult.Inside, SyncedXy(1.9, 2.5, minF: 1.9).Check([0.8, 1.8]));
    }

    [Fact]
    public void Upper_constraint_is_skipped_when_U_is_at_or_above_the_function_maximum()
    {
        Assert.Equal(SafeZoneResult.Inside, SyncedXy(1.5, 2.5, maxF: 2.5).Check([1.3, 2.0]));
    }

    [Fact]
    public void Both_sides_skipped_makes_every_point_in_the_domain_inside_without_evaluating_f()
    {
        var f = new InnerProduct(2);
        var zone = new SafeZone(f, 0, 1);
        zone.Sync([1.0, 2.0], -1, 2, DcType.Convex, HMinusXy, null);
        var calls = f.ValueCalls;

        Assert.Equal(SafeZoneResult.Inside, zone.Check([100.0, -100.0]));
        Assert.Equal(calls, f.ValueCalls);
        Assert.True(double.IsNaN(zone.LastValue));
    }

    [Fact]
    public void Point_outside_the_domain_box_is_a_domain_violation_before_the_safe_zone_is_checked()
    {
        var zone = SyncedXy(1.5, 2.5, new BoxDomain([0.0, 0.0], [1.2, 3.0]));
        Assert.Equal(SafeZoneResult.Inside, zone.Check([1.1, 2.1]));
        Assert.Equal(SafeZoneResult.Domain, zone.Check([1.3, 2.0]));
    }

    [Fact]
    public void Domain_box_is_closed()
    {
        var zone = SyncedXy(1.5, 2.5, new BoxDomain([1.0, 2.0], [1.1, 2.1]));
        Assert.Equal(SafeZoneResult.Inside, zone.Check([1.1, 2.1]));
        Assert.Equal(SafeZoneResult.Inside, zone.Check([1.0, 2.0]));
    }

    [Fact]
    public void NaN_coordinate_is_outside_any_domain()
    {
        var zone = SyncedXy(1.5, 2.5, BoxDomain.Uniform(2, -10, 10));
        Assert.Equal(SafeZoneResult.Domain, zone.Check([double.NaN, 2.0]));
    }

    [Fact]
    public void NaN_coordinate_without_a_domain_fails_the_safe_zone()
    {
        Assert.Equal(SafeZoneResult.SafeZone, SyncedXy(1.5, 2.5).Check([double.NaN, 2.0]));
    }

    [Fact]
    public void Wrong_decomposition_that_lets_f_leave_the_bounds_is_a_faulty_safe_zone()
    {
        // Claiming x * y is convex (A = 0): the lower constraint becomes f's tangent plane >= L, which a saddle can beat.
        // x0 = (1, 1), f = 1, L = 0.5, U = 1.5; p = (2, 0.2): tangent 1 + 1 - 0.8 = 1.2 >= 0.5, f = 0.4 < 0.5.
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        zone.Sync([1.0, 1.0], 0.5, 1.5, DcType.Convex, new double[4], null);

        Assert.Equal(SafeZoneResult.FaultySafeZone, zone.Check([2.0, 0.2]));
        Assert.Equal(0.4, zone.LastValue, 12);
    }

    [Fact]
    public void Faulty_check_is_skipped_on_the_side_whose_threshold_is_beyond_the_range()
    {
        // As above, but L <= minF: neither the lower constraint nor the lower bound applies.
        var zone = new SafeZone(new InnerProduct(2), 0.5, double.PositiveInfinity);
        zone.Sync([1.0, 1.0], 0.5, 1.5, DcType.Convex, new double[4], null);

        Assert.Equal(SafeZoneResult.Inside, zone.Check([2.0, 0.2]));
    }

    [Fact]
    public void Concave_form_uses_the_tangent_of_f_for_the_upper_side()
    {
        // f = -(x^2 + y^2): H = -2I, H_plus = 0, concave. Lower: f(p) >= L. Upper: f(x0) + grad f(x0).(p - x0) <= U.
        var f = new QuadraticFunction(new double[,] { { -1, 0 }, { 0, -1 } });
        var adcd = Adcd.Exact(f, [1.0, 0.0]);
        Assert.Equal(DcType.Concave, adcd.DcType);
        var zone = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity);
        zone.Sync([1.0, 0.0], -1.5, -0.5, DcType.Concave, adcd.SignedHessian.Span, null);

        Assert.Equal(SafeZoneResult.Inside, zone.Check([1.1, 0.1]));     // f = -1.22, tangent -1 - 0.2 = -1.2
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([0.7, 0.0]));   // tangent -1 + 0.6 = -0.4 > U although f = -0.49 is fine
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([1.3, 0.0]));   // f = -1.69 < L
    }

    [Fact]
    public void Adcd_x_argument_acts_as_lambda_times_identity()
    {
        // lambda = -1 on x * y: Q = -|d|^2, g = f + |d|^2 / 2. p = (1.2, 2.0): f = 2.4, g = 2.4 + 0.02 = 2.42 <= 2.45.
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        zone.Sync([1.0, 2.0], 1.5, 2.45, DcType.Convex, -1.0, null);
        Assert.Equal(SafeZoneResult.Inside, zone.Check([1.2, 2.0]));

        // p = (1.2, 2.05): f = 2.46 > 2.45 already.
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([1.2, 2.05]));

        // The same as an explicit matrix -I gives the same answers.
        var matrix = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        matrix.Sync([1.0, 2.0], 1.5, 2.45, DcType.Convex, [-1.0, 0, 0, -1.0], null);
        Assert.Equal(SafeZoneResult.Inside, matrix.Check([1.2, 2.0]));
        Assert.Equal(SafeZoneResult.SafeZone, matrix.Check([1.2, 2.05]));
    }

    [Fact]
    public void Zones_sharing_one_immutable_matrix_check_as_with_copies_and_a_later_copy_sync_leaves_the_other_alone()
    {
        System.Collections.Immutable.ImmutableArray<double> minusIdentity = [-1.0, 0, 0, -1.0];
        var shared = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        var other = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        shared.SyncShared([1.0, 2.0], 1.5, 2.45, DcType.Convex, minusIdentity, null);
        other.SyncShared([1.0, 2.0], 1.5, 2.45, DcType.Convex, minusIdentity, null);
        Assert.Equal(SafeZoneResult.Inside, shared.Check([1.2, 2.0]));
        Assert.Equal(SafeZoneResult.SafeZone, shared.Check([1.2, 2.05]));

        // A copied matrix for one zone (a zero matrix: Q = 0, only f's tangent) must not be written into the shared one.
        shared.Sync([1.0, 2.0], 1.5, 2.45, DcType.Convex, [0.0, 0, 0, 0], null);

        Assert.Equal([-1.0, 0, 0, -1.0], minusIdentity.ToArray());
        Assert.Equal(SafeZoneResult.Inside, other.Check([1.2, 2.0]));
        Assert.Equal(SafeZoneResult.SafeZone, other.Check([1.2, 2.05]));
    }

    [Fact]
    public void Infinite_extreme_eigenvalue_violates_every_active_constraint_even_at_x0()
    {
        // The reference builds -inf * I, whose 0 * -inf off-diagonals are NaN: every comparison fails.
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        zone.Sync([1.0, 2.0], 1.5, 2.5, DcType.Convex, double.NegativeInfinity, null);
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([1.0, 2.0]));
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([1.1, 2.0]));
    }

    [Fact]
    public void Sync_without_an_argument_keeps_the_previous_matrix()
    {
        var zone = SyncedXy(1.5, 2.5);
        zone.Sync([1.0, 2.0], 1.5, 2.5, DcType.Convex, null);
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([1.3, 1.92]));
        Assert.Equal(SafeZoneResult.Inside, zone.Check([1.1, 2.1]));
    }

    [Fact]
    public void Sync_without_an_argument_before_any_argument_is_an_error()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        Assert.Throws<InvalidOperationException>(() => zone.Sync([1.0, 2.0], 1.5, 2.5, DcType.Convex, null));
    }

    [Fact]
    public void Resync_moves_the_reference_point_and_thresholds()
    {
        var zone = SyncedXy(1.5, 2.5);
        zone.Sync([2.0, 2.0], 3.5, 4.5, DcType.Convex, null);

        Assert.Equal([2.0, 2.0], zone.ReferencePoint.ToArray());
        Assert.Equal(4.0, zone.ValueAtReferencePoint);
        Assert.Equal(SafeZoneResult.Inside, zone.Check([2.0, 2.0]));
        Assert.Equal(SafeZoneResult.SafeZone, zone.Check([1.0, 2.0]));
    }

    [Fact]
    public void Check_evaluates_f_once()
    {
        var f = new InnerProduct(2);
        var zone = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity);
        zone.Sync([1.0, 2.0], 1.5, 2.5, DcType.Convex, HMinusXy, null);
        var before = f.ValueCalls;

        zone.Check([1.1, 2.1]);

        Assert.Equal(before + 1, f.ValueCalls);
        Assert.Equal(1.1 * 2.1, zone.LastValue, 14);
    }

    [Fact]
    public void Check_before_sync_is_an_error()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        Assert.False(zone.IsSynced);
        Assert.Throws<InvalidOperationException>(() => zone.Check([1.0, 2.0]));
    }

    [Fact]
    public void Check_of_a_point_of_the_wrong_dimension_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => SyncedXy(1.5, 2.5).Check([1.0, 2.0, 3.0]));
        Assert.Contains("3 coordinates", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_rejects_a_reference_point_of_the_wrong_dimension()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        var error = Assert.Throws<ArgumentException>(() => zone.Sync([1.0], 0, 1, DcType.Convex, HMinusXy, null));
        Assert.Contains("dimension 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_rejects_a_NaN_reference_point()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        var error = Assert.Throws<ArgumentException>(() => zone.Sync([1.0, double.NaN], 0, 1, DcType.Convex, HMinusXy, null));
        Assert.Contains("coordinate 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_rejects_NaN_thresholds()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        Assert.Throws<ArgumentException>(() => zone.Sync([1.0, 2.0], double.NaN, 1, DcType.Convex, HMinusXy, null));
    }

    [Fact]
    public void Sync_rejects_a_matrix_of_the_wrong_size()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        var error = Assert.Throws<ArgumentException>(() => zone.Sync([1.0, 2.0], 0, 1, DcType.Convex, [1.0, 2.0, 3.0], null));
        Assert.Contains("2x2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_rejects_a_NaN_extreme_eigenvalue()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        Assert.Throws<ArgumentException>(() => zone.Sync([1.0, 2.0], 0, 1, DcType.Convex, double.NaN, null));
    }

    [Fact]
    public void Sync_rejects_a_domain_of_another_dimension()
    {
        var zone = new SafeZone(new InnerProduct(2), double.NegativeInfinity, double.PositiveInfinity);
        Assert.Throws<ArgumentException>(() => zone.Sync([1.0, 2.0], 0, 1, DcType.Convex, HMinusXy, BoxDomain.Uniform(3, 0, 1)));
    }

    [Fact]
    public void Check_allocates_nothing()
    {
        var zone = new SafeZone(new InnerProduct(40), double.NegativeInfinity, double.PositiveInfinity);
        var x0 = Enumerable.Range(0, 40).Select(i => i * 0.01).ToArray();
        var adcd = Adcd.Exact(new InnerProduct(40), x0);
        zone.Sync(x0, -1, 1, adcd.DcType, adcd.SignedHessian.Span, BoxDomain.Uniform(40, -5, 5));
        var point = x0.Select(v => v + 0.001).ToArray();
        Assert.Equal(SafeZoneResult.Inside, zone.Check(point)); // the full path: domain, both constraints, bounds

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 100; k++)
        {
            zone.Check(point);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
