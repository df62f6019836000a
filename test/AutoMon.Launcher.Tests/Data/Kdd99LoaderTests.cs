using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Launcher.Tests.Data;

public sealed class Kdd99LoaderTests : IDisposable
{
    // Every service name of the reference's table with its code, so tests can build files with enough distinct services.
    internal static readonly (string Name, int Code)[] ServiceTable =
    [
        ("http", 1), ("Z39_50", 2), ("X11", 3), ("whois", 4), ("vmnet", 5), ("uucp_path", 6), ("uucp", 7), ("urp_i", 8),
        ("urh_i", 9), ("time", 10), ("tim_i", 11), ("tftp_u", 12), ("telnet", 13), ("systat", 14), ("supdup", 15),
        ("sunrpc", 16), ("ssh", 17), ("sql_net", 18), ("smtp", 19), ("shell", 20), ("rje", 21), ("remote_job", 22),
        ("red_i", 23), ("private", 24), ("printer", 25), ("pop_3", 26), ("pop_2", 27), ("pm_dump", 28), ("other", 29),
        ("ntp_u", 30), ("nntp", 31), ("nnsp", 32), ("netstat", 33), ("netbios_ssn", 34), ("netbios_ns", 35),
        ("netbios_dgm", 36), ("name", 37), ("mtp", 38), ("login", 39), ("link", 40), ("ldap", 41), ("kshell", 42),
        ("klogin", 43), ("iso_tsap", 44), ("IRC", 45), ("imap4", 46), ("http_443", 47), ("gopher", 48), ("ftp_data", 49),
        ("ftp", 50), ("finger", 51), ("exec", 52), ("efs", 53), ("ecr_i", 54), ("eco_i", 55), ("echo", 56),
        ("domain_u", 57), ("domain", 58), ("discard", 59), ("ctf", 61), ("csnet_ns", 62), ("courier", 63), ("bgp", 64),
        ("auth", 65), ("icmp", 68), ("hostnames", 69), ("daytime", 70),
    ];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static string Record(string service, string protocol = "tcp", string flag = "SF", string label = "normal.", int bytes = 100)
    {
        var numbers = Enumerable.Range(4, 37).Select(i => i == 4 ? bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) : i % 5 == 0 ? "0.50" : "0");
        return string.Join(',', new[] { "0", protocol, service, flag }.Concat(numbers).Append(label));
    }

    [Fact]
    public void Categorical_columns_are_encoded_with_the_reference_tables()
    {
        var file = _dir.Write("corrected", Record("ecr_i", "icmp", "S2", "smurf.") + "\n" + Record("http", "udp", "REJ") + "\n");
        var records = Kdd99Loader.Read(file);
        Assert.Equal(2, records.Count);
        Assert.Equal([54, 1], records.ServiceCodes);
        Assert.Equal([3.0, 54, 4], records.Features.Skip(1).Take(3));
        Assert.Equal([2.0, 1, 10], records.Features.Skip(41 + 1).Take(3));
        Assert.Equal(100.0, records.Features[4]);
        Assert.Equal(0.5, records.Features[5]);
        Assert.Equal([1, 0], records.Labels);
    }

    [Theory]
    [InlineData("ftp", "tcp", "XX", "flag 'XX'")]
    [InlineData("gopher2", "tcp", "SF", "service 'gopher2'")]
    [InlineData("ftp", "sctp", "SF", "protocol 'sctp'")]
    public void Unknown_category_is_an_error_naming_file_line_and_value(string service, string protocol, string flag, string shown)
    {
        var file = _dir.Write("corrected", Record("http") + "\n" + Record(service, protocol, flag) + "\n");
        var error = Assert.Throws<DataFormatException>(() => Kdd99Loader.Read(file));
        Assert.Equal(2, error.LineNumber);
        Assert.Contains(shown, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_with_a_missing_field_is_an_error_naming_it()
    {
        var file = _dir.Write("corrected", Record("http") + "\n" + "0,tcp,http,SF,1,2\n");
        var error = Assert.Throws<DataFormatException>(() => Kdd99Loader.Read(file));
        Assert.Equal($"{file} line 2: expected 42 fields, found 6.", error.Message);
    }

    [Theory]
    [InlineData("x1")]
    [InlineData("nan")]
    public void Feature_that_is_not_a_finite_number_is_an_error(string bad)
    {
        var file = _dir.Write("corrected", Record("http").Replace(",100,", "," + bad + ",", StringComparison.Ordinal) + "\n");
        var error = Assert.Throws<DataFormatException>(() => Kdd99Loader.Read(file));
        Assert.Contains("feature 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.LineNumber);
    }

    [Fact]
    public void Missing_file_is_named_in_the_error()
    {
        var file = _dir.PathOf("corrected");
        Assert.Contains(file, Assert.Throws<FileNotFoundException>(() => Kdd99Loader.Read(file)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Intrusion_detection_data_is_split_over_nine_nodes_normalised_and_aligned()
    {
        // Services by rank among the distinct codes: rank 51 -> nodes 0-4, rank 21 -> nodes 5-6, rank 0 -> node 7, others -> 8.
        // Each record carries its group (1-4) in the thousands of src_bytes so the test can see where it went.
        var sortedCodes = ServiceTable.Select(s => s.Code).Order().ToArray();
        int GroupOf(int code) => code == sortedCodes[51] ? 1 : code == sortedCodes[21] ? 2 : code == sortedCodes[0] ? 3 : 4;
        string NameOf(int code) => ServiceTable.Single(s => s.Code == code).Name;
        var lines = ServiceTable.Select(s => Record(s.Name, bytes: (1000 * GroupOf(s.Code)) + 999)).ToList();
        for (var round = 0; round < 40; round++)
        {
            lines.AddRange(Enumerable.Repeat(Record(NameOf(sortedCodes[51]), bytes: 1000 + round), 5));
            lines.AddRange(Enumerable.Repeat(Record(NameOf(sortedCodes[21]), bytes: 2000 + round), 2));
            lines.Add(Record(NameOf(sortedCodes[0]), bytes: 3000 + round));
            lines.Add(Record("telnet", bytes: 4000 + round));
        }

        var file = _dir.Write("corrected", string.Join("\n", lines) + "\n");
        var data = Kdd99Loader.LoadIntrusionDetection(file, tuningIterations: 2, monitoringRows: 200);
        Assert.Equal(9, data.NodeCount);
        Assert.Equal(18, data.TuningRowCount);
        Assert.Equal(218, data.RowCount);
        var monitoring = data.MonitoringPart();
        Assert.Equal(Enumerable.Range(0, 180).Select(i => i % 9), monitoring.NodeSchedule[..180].ToArray());
        for (var i = 0; i < monitoring.RowCount; i++)
        {
            var row = monitoring.Row(i).ToArray();
            Assert.Equal(1.0, Math.Sqrt(row.Sum(v => v * v)), 1e-12);
            var bytes = Math.Round(row[4] / row[1]);   // every record is tcp (code 1), so this undoes the scaling
            var node = monitoring.NodeSchedule[i];
            var expectedGroup = node switch { < 5 => 1, < 7 => 2, 7 => 3, _ => 4 };
            Assert.Equal(expectedGroup, (int)(bytes / 1000));
        }
    }

    [Fact]
    public void Too_few_distinct_services_is_an_error_naming_the_file()
    {
        var file = _dir.Write("corrected", string.Join("\n", ServiceTable.Take(40).Select(s => Record(s.Name))) + "\n");
        var error = Assert.Throws<DataFormatException>(() => Kdd99Loader.LoadIntrusionDetection(file, 0, null));
        Assert.Equal(file, error.FilePath);
        Assert.Contains("52nd", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_file_given_is_checked_too()
    {
        var testing = _dir.Write("corrected", Record("http") + "\n");
        var training = _dir.Write("kddcup.data_10_percent_corrected", "broken\n");
        var error = Assert.Throws<DataFormatException>(() => Kdd99Loader.LoadIntrusionDetection(testing, 0, null, training));
        Assert.Equal(training, error.FilePath);
    }
}
