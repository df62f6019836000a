using AutoMon.Grains.Results;

namespace AutoMon.Grains.Tests.Results;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "automon-atomic-" + Guid.NewGuid().ToString("N"));

    public AtomicFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Replaces_the_file_whole_as_utf8_without_bom_and_leaves_nothing_beside_it()
    {
        var path = Path.Combine(_folder, "summary.json");
        File.WriteAllText(path, "old, and longer than the new content");

        AtomicFile.WriteAllText(path, "{ \"é\": 1 }\n");

        Assert.Equal("{ \"é\": 1 }\n"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(["summary.json"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void The_temporary_file_is_in_the_target_folder_and_keeps_its_extension()
    {
        var path = Path.Combine(_folder, "figure.png");
        string? temporary = null;

        AtomicFile.Write(path, t =>
        {
            temporary = t;
            File.WriteAllBytes(t, [1, 2, 3]);
        });

        Assert.Equal(_folder, Path.GetDirectoryName(temporary));
        Assert.EndsWith(".png", temporary, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.False(File.Exists(temporary));
    }

    [Fact]
    public void A_failed_write_leaves_the_target_as_it_was_and_no_temporary_file()
    {
        var path = Path.Combine(_folder, "results.csv");
        File.WriteAllText(path, "before");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, t =>
        {
            File.WriteAllText(t, "half");
            throw new IOException("disk full");
        }));

        Assert.Equal("before", File.ReadAllText(path));
        Assert.Equal(["results.csv"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }
}
