using AutoMon.Launcher;

return await LauncherApp.RunAsync(args).ConfigureAwait(false);
