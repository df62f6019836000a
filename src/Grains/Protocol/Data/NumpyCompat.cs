namespace AutoMon.Protocol.Data;

/// <summary>numpy helpers whose exact arithmetic shapes the data (the generators' trajectories).</summary>
internal static class NumpyCompat
{
    /// <summary><c>np.linspace(start, stop, num)</c>: i·step + start, the last point set to stop.</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var y = new double[num];
        if (num == 0)
        {
            return y;
        }

        if (num == 1)
        {
            y[0] = start;
            return y;
        }

        var step = (stop - start) / (num - 1);
        for (var i = 0; i < num; i++)
        {
            y[i] = (i * step) + start;
        }

        y[num - 1] = stop;
        return y;
    }
}
