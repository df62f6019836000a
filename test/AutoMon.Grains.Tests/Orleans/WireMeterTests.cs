using System.Diagnostics.Metrics;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using Xunit.Abstractions;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// The wire-byte estimate checked against what Orleans itself measures on its connections (meter "Microsoft.Orleans"):
/// the estimated header of a protocol message is the size Orleans' headers really have, within a small factor. Orleans'
/// instruments are process-wide, so the test runs on a cluster alone in the process.
/// </summary>
[Collection(IsolatedClusterCollection.Name)]
public sealed class WireMeterTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Estimated_headers_are_close_to_the_header_bytes_Orleans_measures_on_its_connections()
    {
        long headerBytes, messages = 0, messageBytes = 0, headerTotal = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Microsoft.Orleans"
                && instrument.Name is "orleans-messaging-sent-header-size" or "orleans-messaging-sent-messages-size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "orleans-messaging-sent-header-size")
            {
                Interlocked.Add(ref headerTotal, value);
            }
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            Interlocked.Increment(ref messages);
            Interlocked.Add(ref messageBytes, value);
        });
        listener.Start();

        // The header counters are cumulative (observable): read them before and after the run.
        listener.RecordObservableInstruments();
        var headersBefore = Interlocked.Exchange(ref headerTotal, 0);
        Interlocked.Exchange(ref messages, 0);
        Interlocked.Exchange(ref messageBytes, 0);

        var (config, data) = InnerProduct(SyncType.Eager, nodes: 6, iterations: 40);
        var result = await new ExperimentDriver(fixture.Client).RunAsync(NewId("meter"), config, data);

        var sent = Interlocked.Read(ref messages);
        var sentBytes = Interlocked.Read(ref messageBytes);
        listener.RecordObservableInstruments();
        headerBytes = Interlocked.Read(ref headerTotal) - headersBefore;
        Assert.True(sent > 0, "Orleans reported no sent messages");

        var measuredHeader = (double)headerBytes / sent;
        var measuredMessage = (double)sentBytes / sent;
        var estimatedHeader = (double)result.Wire.HeaderBytes / result.Wire.Messages;
        var estimatedMessage = (double)result.Wire.TotalBytes / result.Wire.Messages;
        output.WriteLine($"Orleans measured {sent} messages: header {measuredHeader:F0} B, message {measuredMessage:F0} B on average; " +
            $"estimated for the protocol messages: header {estimatedHeader:F0} B, message {estimatedMessage:F0} B");
        Assert.InRange(estimatedHeader / measuredHeader, 0.5, 2);
        Assert.InRange(estimatedMessage / measuredMessage, 0.25, 4);
    }
}
