using System.CommandLine;
using System.CommandLine.Invocation;
using AutoMon.Launcher.Commands;

namespace AutoMon.Launcher;

/// <summary>The <c>automon</c> command line: a root command whose subcommands live one per file in Commands/.</summary>
public static class LauncherApp
{
    // Each entry builds one subcommand; add new ones here.
    private static readonly Func<Command>[] Subcommands =
    [
        DescribeCommand.Create,
        SimulateCommand.Create,
        ReproduceCommand.Create,
        ServeCommand.Create,
        CertificateCommand.Create,
    ];

    /// <summary>
    /// <c>--verbose</c>, on the root command and every subcommand: the embedded silo's log (AutoMon's information, Orleans'
    /// warnings) on standard error; without it that silo is silent.
    /// </summary>
    internal static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "Show the embedded silo's log on standard error (AutoMon's progress messages, Orleans' warnings and errors).",
        Recursive = true,
    };

    /// <summary>The root command with every subcommand attached; commands that ask a question ask <paramref name="input"/>.</summary>
    public static RootCommand CreateRootCommand(UserInput? input = null)
    {
        var root = new RootCommand(
            "AutoMon.NET: distributed monitoring of f(average of node vectors) within an additive error bound. " +
            "`automon --node-type quadratic` runs that workload's experiment (the paper's error-bound sweep) and writes results and figures.");
        root.Options.Add(VerboseOption);
        ExperimentCommand.AddTo(root);
        foreach (var create in Subcommands)
        {
            root.Subcommands.Add(create());
        }

        root.Subcommands.Add(CleanupCommand.Create(input ?? UserInput.None));

        return root;
    }

    /// <summary>Runs the command line against the console.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error, UserInput.Console);

    /// <summary>Runs the command line writing to the given streams (tests capture them), with no one to ask; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, UserInput.None, cancellationToken);

    /// <summary>Runs the command line writing to the given streams and asking <paramref name="input"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, UserInput input,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);

        // Nothing typed: say what there is to type.
        var parseResult = CreateRootCommand(input).Parse(args.Length == 0 ? ["--help"] : args);
        if (parseResult.Action is ParseErrorAction parseError)
        {
            // A usage mistake gets its one-line error, not the whole help text.
            parseError.ShowHelp = false;
        }

        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
