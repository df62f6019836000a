using System.Globalization;

namespace AutoMon.Protocol.Data.Files;

/// <summary>KDD Cup 99 connection records with the reference's numeric encoding.</summary>
/// <param name="ServiceCodes">Numeric service code of each record (its feature 2).</param>
/// <param name="Features">41 features per record, row-major, categorical columns encoded, not normalised.</param>
/// <param name="Labels">0 for <c>normal.</c>, 1 for any attack.</param>
public sealed record KddCupRecords(IReadOnlyList<int> ServiceCodes, IReadOnlyList<double> Features, IReadOnlyList<byte> Labels)
{
    /// <summary>Number of records.</summary>
    public int Count => Labels.Count;
}

/// <summary>
/// Reads the KDD Cup 99 files (<c>corrected</c>, <c>kddcup.data_10_percent_corrected</c>): 41 comma-separated features
/// and a label per line. Protocol, service and flag are encoded with the reference's tables (from
/// <c>DataGeneratorDnnIntrusionDetection.get_data</c>, which follows rahulvigneswaran/Intrusion-Detection-Systems); an
/// unknown name is an error, as it is for the reference.
/// </summary>
public static class Kdd99Loader
{
    private const int Fields = IntrusionDetectionSplit.FeatureCount + 1;

    private static readonly Dictionary<string, int> Protocols = new(StringComparer.Ordinal) { ["tcp"] = 1, ["udp"] = 2, ["icmp"] = 3 };

    private static readonly Dictionary<string, int> Services = new(StringComparer.Ordinal)
    {
        ["http"] = 1, ["smtp"] = 19, ["finger"] = 51, ["domain_u"] = 57, ["auth"] = 65, ["telnet"] = 13, ["ftp"] = 50,
        ["eco_i"] = 55, ["ntp_u"] = 30, ["ecr_i"] = 54, ["other"] = 29, ["private"] = 24, ["pop_3"] = 26, ["ftp_data"] = 49,
        ["rje"] = 21, ["time"] = 10, ["mtp"] = 38, ["link"] = 40, ["remote_job"] = 22, ["gopher"] = 48, ["ssh"] = 17,
        ["name"] = 37, ["whois"] = 4, ["domain"] = 58, ["login"] = 39, ["imap4"] = 46, ["daytime"] = 70, ["ctf"] = 61,
        ["nntp"] = 31, ["shell"] = 20, ["IRC"] = 45, ["nnsp"] = 32, ["http_443"] = 47, ["exec"] = 52, ["printer"] = 25,
        ["efs"] = 53, ["courier"] = 63, ["uucp"] = 7, ["klogin"] = 43, ["kshell"] = 42, ["echo"] = 56, ["discard"] = 59,
        ["systat"] = 14, ["supdup"] = 15, ["iso_tsap"] = 44, ["hostnames"] = 69, ["csnet_ns"] = 62, ["pop_2"] = 27,
        ["sunrpc"] = 16, ["uucp_path"] = 6, ["netbios_ns"] = 35, ["netbios_ssn"] = 34, ["netbios_dgm"] = 36,
        ["sql_net"] = 18, ["vmnet"] = 5, ["bgp"] = 64, ["Z39_50"] = 2, ["ldap"] = 41, ["netstat"] = 33, ["urh_i"] = 9,
        ["X11"] = 3, ["urp_i"] = 8, ["pm_dump"] = 28, ["tftp_u"] = 12, ["tim_i"] = 11, ["red_i"] = 23, ["icmp"] = 68,
    };

    // OTH and S2 share code 4 in the reference's table.
    private static readonly Dictionary<string, int> Flags = new(StringComparer.Ordinal)
    {
        ["SF"] = 1, ["SH"] = 2, ["S3"] = 3, ["OTH"] = 4, ["S2"] = 4, ["S1"] = 5, ["S0"] = 6, ["RSTR"] = 7, ["RSTOS0"] = 8,
        ["RSTO"] = 9, ["REJ"] = 10,
    };

    /// <summary>Reads and encodes every record of a KDD Cup 99 file.</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="DataFormatException">A line without 42 fields, an unknown protocol/service/flag, or a feature that is not a finite number.</exception>
    public static KddCupRecords Read(string path)
    {
        var services = new List<int>();
        var features = new List<double>();
        var labels = new List<byte>();
        foreach (var (line, text) in NumpyTextFile.Lines(path))
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;   // pandas skips blank lines
            }

            var fields = text.Split(',');
            if (fields.Length != Fields)
            {
                throw new DataFormatException(path, line, $"expected {Fields} fields, found {fields.Length}.");
            }

            var rowStart = features.Count;
            for (var i = 0; i < IntrusionDetectionSplit.FeatureCount; i++)
            {
                var field = fields[i].Trim();
                features.Add(i switch
                {
                    1 => Code(Protocols, "protocol", field, path, line),
                    2 => Code(Services, "service", field, path, line),
                    3 => Code(Flags, "flag", field, path, line),
                    _ => Number(field, i, path, line),
                });
            }

            services.Add((int)features[rowStart + 2]);
            labels.Add(fields[^1].Trim() == "normal." ? (byte)0 : (byte)1);
        }

        if (labels.Count == 0)
        {
            throw new DataFormatException(path, null, "no records.");
        }

        return new KddCupRecords(services, features, labels);
    }

    /// <summary>
    /// Builds the intrusion-detection data set from the <c>corrected</c> file as the reference does: records split over 9
    /// nodes by service, features scaled to unit L2 norm, starts aligned to full windows
    /// (<see cref="IntrusionDetectionSplit"/>); tuning prefix of <paramref name="tuningIterations"/> × 9 rows, then
    /// <paramref name="monitoringRows"/> monitored rows (all when null; the paper uses 302,973).
    /// </summary>
    /// <param name="testingFile">The <c>corrected</c> file.</param>
    /// <param name="tuningIterations">The reference's <c>num_iterations_for_tuning</c> (500 in the paper's configuration).</param>
    /// <param name="monitoringRows">The reference's <c>num_iterations</c>: rows in total.</param>
    /// <param name="trainingFile">Optional <c>kddcup.data_10_percent_corrected</c>. The reference fits its normaliser on
    /// it, but that fit is stateless, so the file is only read and checked here.</param>
    public static DataSet LoadIntrusionDetection(string testingFile, int tuningIterations, int? monitoringRows, string? trainingFile = null)
    {
        if (trainingFile is not null)
        {
            Read(trainingFile);
        }

        var records = Read(testingFile);
        try
        {
            var nodes = IntrusionDetectionSplit.AssignNodesByService(records.ServiceCodes.ToArray());
            var features = records.Features.ToArray();
            IntrusionDetectionSplit.NormalizeRows(features, IntrusionDetectionSplit.FeatureCount);
            return IntrusionDetectionSplit.BuildDataSet(nodes, features, tuningIterations, monitoringRows);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException(testingFile, null, e.Message, e);
        }
    }

    private static int Code(Dictionary<string, int> table, string what, string field, string path, int line) =>
        table.TryGetValue(field, out var code)
            ? code
            : throw new DataFormatException(path, line, $"unknown {what} '{field}'.");

    private static double Number(string field, int index, string path, int line)
    {
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new DataFormatException(path, line, $"feature {index} '{field}' is not a finite number.");
        }

        return value;
    }
}
