using System.Text;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>The <c>docker run</c> of an EC2 coordinator's user data, taken apart as bash would: environment, image, silo command line.</summary>
internal sealed record CoordinatorScript(IReadOnlyDictionary<string, string> Environment, string Image, IReadOnlyList<string> SiloArguments)
{
    /// <summary>Parses the base64 user data as EC2 returns it.</summary>
    public static CoordinatorScript FromUserData(string base64)
    {
        var script = Encoding.UTF8.GetString(Convert.FromBase64String(base64));

        // The docker run command: its line and the continuation lines after it.
        var lines = script.Split('\n');
        var start = Array.FindIndex(lines, l => l.Contains("docker run ", StringComparison.Ordinal));
        Assert.True(start >= 0, "no docker run in the user data:\n" + script);
        var command = new StringBuilder();
        for (var i = start; ; i++)
        {
            var line = lines[i];
            var continued = line.EndsWith('\\');
            command.Append(continued ? line[..^1] : line).Append(' ');
            if (!continued)
            {
                break;
            }
        }

        var words = Words(command.ToString());
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var k = words.IndexOf("run") + 1;
        for (; k < words.Count && words[k].StartsWith('-'); k++)
        {
            if (words[k] == "-e")
            {
                var pair = words[++k];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                environment[pair[..equals]] = pair[(equals + 1)..];
            }
            else if (words[k] is "--network" or "--log-opt")
            {
                k++;
            }
        }

        return new CoordinatorScript(environment, words[k], words.Skip(k + 1).ToList());
    }

    // Bash word splitting without expansion: '...' is literal, "..." is kept as written without its quotes, \x is x.
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c is '\'' or '"')
            {
                var end = text.IndexOf(c, i + 1);
                word.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\')
            {
                word.Append(text[++i]);
            }
            else
            {
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
