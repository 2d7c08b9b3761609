using Microsoft.Extensions.DependencyInjection;

namespace Remediation.Probes;

/// <summary>Registers the four IMAP probes and their runner.</summary>
public static class ProbesRegistration
{
    /// <summary>Probe settings, the probes (CTP, proxy test, deep test, self test) and the runner.</summary>
    public static IServiceCollection AddProbes(this IServiceCollection services)
    {
        services.AddValidatedOptions<ProbeOptions>(ProbeOptions.Section);
        services.AddSingleton<ImapTransport>();
        services.AddSingleton<IImapProbe, ImapCtpProbe>();
        services.AddSingleton<IImapProbe, ImapProxyTestProbe>();
        services.AddSingleton<IImapProbe, ImapDeepTestProbe>();
        services.AddSingleton<IImapProbe, ImapSelfTestProbe>();
        services.AddSingleton<ProbeRunner>();
        services.AddSingleton<ProbeAvailabilityLog>();
        return services;
    }
}
