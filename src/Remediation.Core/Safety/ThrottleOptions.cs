using System.ComponentModel.DataAnnotations;
namespace Remediation.Safety;

/// <summary>One action's limits, per server and per group (DAG, or the CAS servers of a site).</summary>
public sealed class ThrottleRule
{
    /// <summary>Least time between two of these actions on one server.</summary>
    public TimeSpan ServerMinInterval { get; set; }

    /// <summary>Most of these actions on one server in 24 hours.</summary>
    public int ServerMaxPerDay { get; set; }

    /// <summary>Least time between two of these actions in one group.</summary>
    public TimeSpan GroupMinInterval { get; set; }

    /// <summary>Most of these actions in one group in 24 hours.</summary>
    public int GroupMaxPerDay { get; set; }
}

/// <summary>Recovery-action throttles. Defaults after Managed Availability's throttle policy (see REFERENCE.md).</summary>
public sealed class ThrottleOptions : IValidatableObject
{
    public const string Section = "Remediation:Throttles";

    /// <summary>Service restarts: a playbook may restart IMAP4 up to three times in one run.</summary>
    public ThrottleRule RestartService { get; set; } = new() { ServerMaxPerDay = 6, GroupMaxPerDay = 24 };

    /// <summary>Database fail-overs: 2 a day per server, 6 per group.</summary>
    public ThrottleRule DatabaseFailover { get; set; } = new() { ServerMaxPerDay = 2, GroupMaxPerDay = 6 };

    /// <summary>Server restarts: once per 12 hours per server; per group 10 hours apart, 4 a day.</summary>
    public ThrottleRule ServerRestart { get; set; } = new()
    {
        ServerMinInterval = TimeSpan.FromHours(12),
        ServerMaxPerDay = 1,
        GroupMinInterval = TimeSpan.FromHours(10),
        GroupMaxPerDay = 4,
    };

    /// <summary>The rule of <paramref name="action"/>.</summary>
    public ThrottleRule For(DisruptiveAction action) => action switch
    {
        DisruptiveAction.RestartService => RestartService,
        DisruptiveAction.DatabaseFailover => DatabaseFailover,
        _ => ServerRestart,
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, rule) in new[] { (nameof(RestartService), RestartService), (nameof(DatabaseFailover), DatabaseFailover), (nameof(ServerRestart), ServerRestart) })
        {
            if (rule.ServerMinInterval < TimeSpan.Zero || rule.GroupMinInterval < TimeSpan.Zero)
            {
                yield return OptionsRegistration.Invalid(Section, name, "intervals cannot be negative.");
            }

            if (rule.ServerMaxPerDay < 0 || rule.GroupMaxPerDay < 0)
            {
                yield return OptionsRegistration.Invalid(Section, name, "per-day limits cannot be negative (0 forbids the action).");
            }
        }
    }
}
