using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

public sealed class AwsCredentialsCsvTests
{
    [Fact]
    public void Console_credentials_file_gives_the_access_key_and_secret()
    {
        string[] lines =
        [
            "\uFEFFUser name,Password,Access key ID,Secret access key,Console login link",
            "automon,,AKIAEXAMPLE,secret/with+chars,https://123456789012.signin.aws.amazon.com/console",
        ];

        var credentials = AwsCredentialsCsv.Parse(lines, "new_user_credentials.csv").GetCredentials();

        Assert.Equal("AKIAEXAMPLE", credentials.AccessKey);
        Assert.Equal("secret/with+chars", credentials.SecretKey);
    }

    [Fact]
    public void Access_key_file_with_only_the_two_key_columns_is_read()
    {
        var credentials = AwsCredentialsCsv.Parse(["Access key ID,Secret access key", "\"AKIA2\",\"s,e\"\"c\""], "keys.csv")
            .GetCredentials();

        Assert.Equal("AKIA2", credentials.AccessKey);
        Assert.Equal("s,e\"c", credentials.SecretKey);
    }

    [Fact]
    public void Missing_secret_column_is_reported_with_file_and_line()
    {
        var error = Assert.Throws<FormatException>(() =>
            AwsCredentialsCsv.Parse(["User name,Access key ID", "u,AKIA"], "creds.csv"));

        Assert.StartsWith("creds.csv:1: missing column 'Secret access key'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_without_a_credentials_row_is_reported()
    {
        var error = Assert.Throws<FormatException>(() =>
            AwsCredentialsCsv.Parse(["Access key ID,Secret access key", ""], "creds.csv"));

        Assert.StartsWith("creds.csv:2:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_access_key_cell_is_reported_with_its_line()
    {
        var error = Assert.Throws<FormatException>(() =>
            AwsCredentialsCsv.Parse(["Access key ID,Secret access key", " ,secret"], "creds.csv"));

        Assert.Equal("creds.csv:2: the 'Access key ID' cell is empty.", error.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.csv");

        var error = Assert.Throws<FileNotFoundException>(() => AwsCredentialsCsv.Read(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
