using Microsoft.Extensions.Options;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// Validates <see cref="SiloHostOptions"/> through the options pattern (<c>ValidateOnStart</c>): the same checks as the
/// command line's, each problem naming its setting.
/// </summary>
internal sealed class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().Concat(options.Experiment?.Validate() ?? []).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
