using System.ComponentModel.DataAnnotations;
using Remediation.Topology;

namespace Remediation.Safety;

/// <summary>
/// A maintenance window: a server, a DAG or a site is probed but never touched while it is open, fail-back included.
/// One-off (<see cref="Start"/>) or weekly (<see cref="Days"/> at <see cref="At"/>), for <see cref="Duration"/>, in the
/// organisation's time zone (<see cref="MaintenanceOptions.TimeZone"/>): "Saturdays 22:00 for 4 hours" stays 22:00
/// local across daylight-saving changes.
/// </summary>
public sealed class MaintenanceWindow
{
    /// <summary>Longest window: a recurring one is looked for this far back.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    /// <summary>Its ID (set by the API; settings windows are "settings-N").</summary>
    public string? Id { get; set; }

    /// <summary>The server it covers (exactly one of Server, Dag, Site).</summary>
    public string? Server { get; set; }

    /// <summary>The DAG it covers: every member.</summary>
    public string? Dag { get; set; }

    /// <summary>The Active Directory site it covers: every server in it.</summary>
    public string? Site { get; set; }

    /// <summary>One-off: when it opens, local time in the organisation's zone (no offset).</summary>
    public DateTime? Start { get; set; }

    /// <summary>Weekly: the days it opens on.</summary>
    public List<DayOfWeek> Days { get; set; } = [];

    /// <summary>Weekly: the local time of day it opens at.</summary>
    public TimeSpan? At { get; set; }

    /// <summary>How long it stays open.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>Why (shown on runs it stopped or held).</summary>
    public string? Reason { get; set; }

    /// <summary>Who scheduled it through the API.</summary>
    public string? By { get; set; }

    /// <summary>"server MBX1", "DAG DAG1", "site Lab".</summary>
    public string Target => Server is not null ? $"server {Server}" : Dag is not null ? $"DAG {Dag}" : $"site {Site}";

    /// <summary>True when the window covers <paramref name="server"/>.</summary>
    public bool Covers(ExchangeServerOptions server) =>
        Same(Server, server.Name) || Same(Dag, server.Dag) || Same(Site, server.Site);

    /// <summary>The occurrence open at <paramref name="now"/>, if any (start and end, UTC).</summary>
    public (DateTimeOffset Start, DateTimeOffset End)? OpenAt(DateTimeOffset now, TimeZoneInfo zone)
    {
        foreach (var start in StartsAround(now, zone))
        {
            if (start <= now && now < start + Duration)
            {
                return (start, start + Duration);
            }
        }

        return null;
    }

    /// <summary>The next time it opens after <paramref name="now"/>, if ever.</summary>
    public DateTimeOffset? NextStart(DateTimeOffset now, TimeZoneInfo zone) =>
        StartsAround(now, zone).Where(s => s > now).Order().Cast<DateTimeOffset?>().FirstOrDefault();

    /// <summary>What is wrong with it, naming the field, or null.</summary>
    public string? Problem()
    {
        var targets = new[] { Server, Dag, Site }.Count(t => !string.IsNullOrWhiteSpace(t));
        if (targets != 1)
        {
            return "name exactly one of server, dag or site.";
        }

        if (Duration <= TimeSpan.Zero || Duration > MaxDuration)
        {
            return $"duration must be more than 0 and at most {MaxDuration.TotalDays:0} days.";
        }

        if (Start is null == (Days.Count == 0))
        {
            return "give either start (a one-off window) or days and at (a weekly one).";
        }

        if (Days.Count > 0 && At is not { } at)
        {
            return "a weekly window needs at (the local time it opens).";
        }

        if (At is { } time && (time < TimeSpan.Zero || time >= TimeSpan.FromDays(1)))
        {
            return "at must be a time of day (00:00 to 23:59).";
        }

        return Reason?.Length > 500 ? "reason is longer than 500 characters." : null;
    }

    IEnumerable<DateTimeOffset> StartsAround(DateTimeOffset now, TimeZoneInfo zone)
    {
        if (Start is { } once)
        {
            yield return ToUtc(once, zone);
            yield break;
        }

        // Every weekly start from MaxDuration back to a week ahead, in local days.
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        for (var day = -(int)MaxDuration.TotalDays - 1; day <= 7; day++)
        {
            var date = today.AddDays(day);
            if (Days.Contains(date.DayOfWeek) && At is { } at)
            {
                yield return ToUtc(date + at, zone);
            }
        }
    }

    static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);

        // A time skipped by a daylight-saving change (02:30 on the spring night) opens at the first time that exists.
        while (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(15);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(unspecified, zone), TimeSpan.Zero);
    }

    static bool Same(string? a, string? b) => !string.IsNullOrEmpty(a) && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Maintenance windows from settings, and the organisation's time zone they are read in.</summary>
public sealed class MaintenanceOptions : IValidatableObject
{
    public const string Section = "Remediation:Maintenance";

    /// <summary>The organisation's time zone (IANA or Windows ID), in which windows are written.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Windows known from settings (the API adds more at run time).</summary>
    public List<MaintenanceWindow> Windows { get; set; } = [];

    /// <summary>The zone; valid once the options validated.</summary>
    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
        {
            yield return OptionsRegistration.Invalid(Section, nameof(TimeZone), $"'{TimeZone}' is not a time zone this machine knows (use an IANA ID such as Europe/Paris).");
        }

        for (var i = 0; i < Windows.Count; i++)
        {
            if (Windows[i].Problem() is { } problem)
            {
                yield return OptionsRegistration.Invalid(Section, $"Windows:{i}", problem);
            }
        }
    }
}
