namespace AutoMon.Launcher;

public static class LauncherApp
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("automon: commands arrive with the numerics and protocol issues");
        return Task.FromResult(args.Length == 0 ? 0 : 2);
    }
}
