namespace AutoMon.Numerics.Tests.Adcd;

using Adcd = AutoMon.Numerics.Adcd;

public class AdcdExactTests
{
    private static void AssertMatrixEqual(double[] expected, ReadOnlySpan<double> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) <= tolerance, $"entry {k}: expected {expected[k]}, got {actual[k]}");
        }
    }

    [Fact]
    public void Positive_definite_quadratic_is_convex_with_zero_H_minus()
    {
        var f = new QuadraticFunction(new double[,] { { 2, 1 }, { 1, 3 } });
        var result = Adcd.Exact(f, [0.3, -0.7]);

        Assert.Equal(DcType.Convex, result.DcType);
        AssertMatrixEqual(new double[4], result.SignedHessian.Span, 1e-12);
    }

    [Fact]
    public void Negative_definite_quadratic_is_concave_with_zero_H_plus()
    {
        var f = new QuadraticFunction(new double[,] { { -2, 0.5 }, { 0.5, -1 } });
        var result = Adcd.Exact(f, [1.0, 2.0]);

        Assert.Equal(DcType.Concave, result.DcType);
        AssertMatrixEqual(new double[4], result.SignedHessian.Span, 1e-12);
    }

    [Fact]
    public void Inner_product_has_eigenvalues_plus_minus_one_and_is_convex_because_the_tie_goes_to_convex()
    {
        var f = new InnerProduct(4);
        var result = Adcd.Exact(f, new double[4]);

        AssertMatrixEqual([-1, -1, 1, 1], result.Eigenvalues.Span, 1e-12);
        Assert.Equal(DcType.Convex, result.DcType);

        // H_minus of [[0, I], [I, 0]] keeps eigenvalue -1 with eigenvectors (e_i - e_{i+h}) / sqrt 2: [[-I, I], [I, -I]] / 2.
        double[] expected =
        [
            -0.5, 0, 0.5, 0,
            0, -0.5, 0, 0.5,
            0.5, 0, -0.5, 0,
            0, 0.5, 0, -0.5,
        ];
        AssertMatrixEqual(expected, result.SignedHessian.Span, 1e-12);
    }

    [Fact]
    public void Indefinite_matrix_with_larger_negative_curvature_is_concave_with_H_plus()
    {
        // diag(-3, 1): |lambda_min| = 3 > lambda_max = 1, so concave; H_plus = diag(0, 1).
        var result = Adcd.Exact([-3.0, 0, 0, 1.0], 2);

        Assert.Equal(DcType.Concave, result.DcType);
        AssertMatrixEqual([0, 0, 0, 1], result.SignedHessian.Span, 1e-15);
        Assert.Equal(-3.0, result.MinEigenvalue);
        Assert.Equal(1.0, result.MaxEigenvalue);
    }

    [Theory]
    [InlineData(-2.0, 5.0, DcType.Convex)]
    [InlineData(-12.0, 5.0, DcType.Concave)]
    public void Signed_hessian_of_a_rotated_indefinite_matrix_keeps_only_the_chosen_sign(double negative, double positive, DcType expected)
    {
        // A = R diag(negative, positive) R^T for a 30 degree rotation R = [[c, -s], [s, c]].
        var c = Math.Cos(Math.PI / 6);
        var s = Math.Sin(Math.PI / 6);
        double[] a =
        [
            (negative * c * c) + (positive * s * s), (negative - positive) * c * s,
            (negative - positive) * c * s, (negative * s * s) + (positive * c * c),
        ];

        var result = Adcd.Exact(a, 2);

        Assert.Equal(expected, result.DcType);
        var kept = expected == DcType.Convex ? negative : positive;
        var keptVector = expected == DcType.Convex ? new[] { c, s } : new[] { -s, c };

        // H_minus = negative * v v^T (convex) or H_plus = positive * w w^T (concave).
        double[] projector =
        [
            kept * keptVector[0] * keptVector[0], kept * keptVector[0] * keptVector[1],
            kept * keptVector[1] * keptVector[0], kept * keptVector[1] * keptVector[1],
        ];
        AssertMatrixEqual(projector, result.SignedHessian.Span, 1e-12);
    }

    [Fact]
    public void Eigenvalues_come_back_ascending()
    {
        var values = Adcd.SymmetricEigenvalues([3.0, 0, 0, 0, -1.0, 0, 0, 0, 2.0], 3);
        Assert.Equal([-1.0, 2.0, 3.0], values);
    }

    [Fact]
    public void Exact_rejects_a_matrix_of_the_wrong_size()
    {
        var error = Assert.Throws<ArgumentException>(() => Adcd.Exact([1.0, 2.0, 3.0], 2));
        Assert.Contains("2x2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exact_rejects_a_NaN_entry()
    {
        var error = Assert.Throws<ArgumentException>(() => Adcd.Exact([1.0, double.NaN, double.NaN, 1.0], 2));
        Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
    }
}
