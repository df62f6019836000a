namespace AutoMon.Protocol;

/// <summary>
/// numpy's default <c>argsort</c> (kind 'quicksort') for float64: an introsort whose tie order the LazyLRU choice depends on.
/// It is stable only for up to 16 elements (insertion sort); beyond that the median-of-3 partitioning reorders ties, so a
/// port that wants the reference's node order must sort the same way (numpy <c>npysort/quicksort.cpp</c>, <c>aquicksort_</c>,
/// and <c>heapsort.cpp</c>, <c>aheapsort_</c>).
/// </summary>
internal static class NumpyArgsort
{
    private const int SmallQuicksort = 15;

    /// <summary>Fills <paramref name="order"/> with 0..n−1 sorted by <paramref name="values"/> as numpy's argsort does.</summary>
    public static void Sort(ReadOnlySpan<double> values, Span<int> order)
    {
        if (order.Length != values.Length)
        {
            throw new ArgumentException($"order has {order.Length} entries for {values.Length} values.", nameof(order));
        }

        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var num = values.Length;
        if (num < 2)
        {
            return;
        }

        // Explicit stack of partitions still to sort, as numpy keeps it (largest partition pushed, smaller one continued).
        Span<int> stack = stackalloc int[2 * 64];
        Span<int> depthStack = stackalloc int[64];
        var sp = 0;
        var dp = 0;
        int pl = 0, pr = num - 1;
        var cdepth = MostSignificantBit(num) * 2;

        while (true)
        {
            if (cdepth < 0)
            {
                HeapSort(values, order.Slice(pl, pr - pl + 1));
            }
            else
            {
                while (pr - pl > SmallQuicksort)
                {
                    var pm = pl + ((pr - pl) >> 1);
                    if (Less(values, order[pm], order[pl]))
                    {
                        Swap(order, pm, pl);
                    }

                    if (Less(values, order[pr], order[pm]))
                    {
                        Swap(order, pr, pm);
                    }

                    if (Less(values, order[pm], order[pl]))
                    {
                        Swap(order, pm, pl);
                    }

                    var vp = values[order[pm]];
                    var pi = pl;
                    var pj = pr - 1;
                    Swap(order, pm, pj);
                    while (true)
                    {
                        do
                        {
                            pi++;
                        }
                        while (values[order[pi]] < vp);

                        do
                        {
                            pj--;
                        }
                        while (vp < values[order[pj]]);

                        if (pi >= pj)
                        {
                            break;
                        }

                        Swap(order, pi, pj);
                    }

                    Swap(order, pi, pr - 1);
                    if (pi - pl < pr - pi)
                    {
                        stack[sp++] = pi + 1;
                        stack[sp++] = pr;
                        pr = pi - 1;
                    }
                    else
                    {
                        stack[sp++] = pl;
                        stack[sp++] = pi - 1;
                        pl = pi + 1;
                    }

                    depthStack[dp++] = --cdepth;
                }

                // Insertion sort of the small partition (stable).
                for (var pi = pl + 1; pi <= pr; pi++)
                {
                    var vi = order[pi];
                    var vp = values[vi];
                    var pj = pi;
                    while (pj > pl && vp < values[order[pj - 1]])
                    {
                        order[pj] = order[pj - 1];
                        pj--;
                    }

                    order[pj] = vi;
                }
            }

            if (sp == 0)
            {
                break;
            }

            pr = stack[--sp];
            pl = stack[--sp];
            cdepth = depthStack[--dp];
        }
    }

    // numpy aheapsort_: 1-based max-heap over the index slice.
    private static void HeapSort(ReadOnlySpan<double> values, Span<int> a)
    {
        var n = a.Length;
        int i, j, l, tmp;
        for (l = n >> 1; l > 0; --l)
        {
            tmp = a[l - 1];
            for (i = l, j = l << 1; j <= n;)
            {
                if (j < n && values[a[j - 1]] < values[a[j]])
                {
                    j++;
                }

                if (values[tmp] < values[a[j - 1]])
                {
                    a[i - 1] = a[j - 1];
                    i = j;
                    j += j;
                }
                else
                {
                    break;
                }
            }

            a[i - 1] = tmp;
        }

        for (; n > 1;)
        {
            tmp = a[n - 1];
            a[n - 1] = a[0];
            n--;
            for (i = 1, j = 2; j <= n;)
            {
                if (j < n && values[a[j - 1]] < values[a[j]])
                {
                    j++;
                }

                if (values[tmp] < values[a[j - 1]])
                {
                    a[i - 1] = a[j - 1];
                    i = j;
                    j += j;
                }
                else
                {
                    break;
                }
            }

            a[i - 1] = tmp;
        }
    }

    private static bool Less(ReadOnlySpan<double> values, int a, int b) => values[a] < values[b];

    private static void Swap(Span<int> order, int a, int b) => (order[a], order[b]) = (order[b], order[a]);

    private static int MostSignificantBit(int n)
    {
        var depth = 0;
        while ((n >>= 1) != 0)
        {
            depth++;
        }

        return depth;
    }
}
