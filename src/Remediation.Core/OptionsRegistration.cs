using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Remediation;

/// <summary>The one way every feature binds its settings: from its section, checked at start-up, failing fast.</summary>
public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts: data
    /// annotations and <see cref="IValidatableObject"/>, whose messages name the setting (e.g. "Remediation:Agent:Key").
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    /// <summary>Helper for <see cref="IValidatableObject"/>: one failure naming <paramref name="section"/>:<paramref name="setting"/>.</summary>
    public static ValidationResult Invalid(string section, string setting, string why) => new($"{section}:{setting} {why}", [setting]);
}
