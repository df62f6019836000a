using AutoMon.Silos.Hosting;

return await SiloProgram.RunAsync(args).ConfigureAwait(false);
