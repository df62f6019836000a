using Amazon.Runtime;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Reads the credentials file the IAM console offers when an access key is created (the seed's
/// <c>new_user_credentials.csv</c>): a header row naming the columns, then one row; we need the columns
/// <c>Access key ID</c> and <c>Secret access key</c> (the console also writes <c>User name</c>, <c>Password</c>,
/// <c>Console login link</c>, which we ignore).
/// </summary>
public static class AwsCredentialsCsv
{
    public const string AccessKeyColumn = "Access key ID";
    public const string SecretKeyColumn = "Secret access key";
    public const string UserNameColumn = "User name";

    public static BasicAWSCredentials Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: credentials file not found (--credentials-csv).", path);
        }
        return Parse(File.ReadAllLines(path), path);
    }

    public static BasicAWSCredentials Parse(IReadOnlyList<string> lines, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0 || string.IsNullOrWhiteSpace(lines[0]))
        {
            throw new FormatException($"{sourceName}:1: empty file; expected a header row with '{AccessKeyColumn}' and '{SecretKeyColumn}'.");
        }
        var header = SplitRow(lines[0].TrimStart('\uFEFF'), sourceName, 1);
        var accessIndex = ColumnIndex(header, AccessKeyColumn, sourceName);
        var secretIndex = ColumnIndex(header, SecretKeyColumn, sourceName);

        var rowIndex = -1;
        for (var i = 1; i < lines.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(lines[i]))
            {
                rowIndex = i;
                break;
            }
        }
        if (rowIndex < 0)
        {
            throw new FormatException($"{sourceName}:2: no credentials row after the header.");
        }
        var row = SplitRow(lines[rowIndex], sourceName, rowIndex + 1);
        var lineNumber = rowIndex + 1;
        var accessKey = Cell(row, accessIndex, AccessKeyColumn, sourceName, lineNumber);
        var secretKey = Cell(row, secretIndex, SecretKeyColumn, sourceName, lineNumber);
        return new BasicAWSCredentials(accessKey, secretKey);
    }

    private static int ColumnIndex(List<string> header, string column, string sourceName)
    {
        var index = header.FindIndex(h => h.Trim().Equals(column, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            throw new FormatException(
                $"{sourceName}:1: missing column '{column}' (found: {string.Join(", ", header.Select(h => $"'{h}'"))}).");
        }
        return index;
    }

    private static string Cell(List<string> row, int index, string column, string sourceName, int line)
    {
        var value = index < row.Count ? row[index].Trim() : string.Empty;
        if (value.Length == 0)
        {
            throw new FormatException($"{sourceName}:{line}: the '{column}' cell is empty.");
        }
        return value;
    }

    /// <summary>Comma-separated cells; a cell may be double-quoted, with "" for a quote inside.</summary>
    private static List<string> SplitRow(string line, string sourceName, int lineNumber)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        if (quoted)
        {
            throw new FormatException($"{sourceName}:{lineNumber}: unterminated quoted cell.");
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
