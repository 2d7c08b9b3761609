using Microsoft.Extensions.Time.Testing;
using Remediation.Safety;
using Remediation.Topology;
using static Remediation.Core.Tests.Builders;

namespace Remediation.Core.Tests.Safety;

/// <summary>Maintenance windows: which server each covers, when it is open, in the organisation's zone, and what is refused.</summary>
public class MaintenanceWindowTests
{
    static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    static readonly ExchangeServerOptions Mbx1 = new() { Name = "MBX1", Role = ServerRole.Mailbox, Dag = "DAG1", Site = "Lab" };
    static readonly ExchangeServerOptions Mbx9 = new() { Name = "MBX9", Role = ServerRole.Mailbox, Dag = "DAG2", Site = "Far" };

    static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    static MaintenanceWindow Saturdays2200For4Hours(string? dag = "DAG1") =>
        new() { Dag = dag, Days = [DayOfWeek.Saturday], At = TimeSpan.FromHours(22), Duration = TimeSpan.FromHours(4) };

    [Fact]
    public void A_window_covers_its_server_its_dag_or_its_site_and_nothing_else()
    {
        Assert.True(new MaintenanceWindow { Server = "mbx1" }.Covers(Mbx1));
        Assert.True(new MaintenanceWindow { Dag = "DAG1" }.Covers(Mbx1));
        Assert.True(new MaintenanceWindow { Site = "Lab" }.Covers(Mbx1));
        Assert.False(new MaintenanceWindow { Dag = "DAG1" }.Covers(Mbx9));
        Assert.False(new MaintenanceWindow { Server = "MBX" }.Covers(Mbx1));
    }

    [Fact]
    public void A_weekly_window_opens_at_local_time_across_midnight_and_across_a_daylight_saving_change()
    {
        var window = Saturdays2200For4Hours();

        // Saturday 24 October 2026, 22:00 in Paris is 20:00 UTC (summer time); the window runs past midnight into the
        // night the clocks go back, so it closes at 02:00 local = 01:00 UTC (winter time).
        Assert.Null(window.OpenAt(Utc(10, 24, 19, 59), Paris));
        Assert.Equal((Utc(10, 24, 20), Utc(10, 25, 0)), window.OpenAt(Utc(10, 24, 20), Paris));
        Assert.NotNull(window.OpenAt(Utc(10, 24, 23, 59), Paris));
        Assert.Null(window.OpenAt(Utc(10, 25, 0), Paris));

        // A week later, in winter time, 22:00 local is 21:00 UTC.
        Assert.Null(window.OpenAt(Utc(10, 31, 20, 30), Paris));
        Assert.NotNull(window.OpenAt(Utc(10, 31, 21), Paris));
        Assert.Equal(Utc(10, 31, 21), window.NextStart(Utc(10, 26, 12), Paris));
    }

    [Fact]
    public void A_one_off_window_opens_once_at_its_local_start()
    {
        var window = new MaintenanceWindow { Server = "MBX1", Start = new DateTime(2026, 12, 1, 9, 0, 0), Duration = TimeSpan.FromMinutes(90) };

        Assert.Null(window.OpenAt(Utc(12, 1, 7, 59), Paris));
        Assert.Equal((Utc(12, 1, 8), Utc(12, 1, 9, 30)), window.OpenAt(Utc(12, 1, 8), Paris));
        Assert.Null(window.OpenAt(Utc(12, 1, 9, 30), Paris));
        Assert.Null(window.NextStart(Utc(12, 2, 0), Paris));
    }

    [Fact]
    public void A_start_the_spring_change_skips_opens_at_the_first_time_that_exists()
    {
        // 29 March 2026: Paris goes from 02:00 to 03:00; a window at 02:30 opens at 03:00 local = 01:00 UTC.
        var window = new MaintenanceWindow { Server = "MBX1", Start = new DateTime(2026, 3, 29, 2, 30, 0), Duration = TimeSpan.FromHours(1) };

        Assert.Equal(Utc(3, 29, 1), window.OpenAt(Utc(3, 29, 1, 10), Paris)!.Value.Start);
    }

    [Theory]
    [InlineData(null, "DAG1", "name exactly one of server, dag or site.")]
    [InlineData("MBX1", "DAG1", "name exactly one of server, dag or site.")]
    public void A_window_names_exactly_one_target(string? server, string? dag, string problem)
    {
        var window = new MaintenanceWindow { Server = server, Dag = dag, Site = server is null ? "Lab" : null, Start = new DateTime(2026, 12, 1, 9, 0, 0), Duration = TimeSpan.FromHours(1) };

        Assert.Equal(problem, window.Problem());
    }

    [Fact]
    public void Bad_windows_are_refused_with_the_field_named()
    {
        Assert.Contains("duration", new MaintenanceWindow { Server = "MBX1", Start = new DateTime(2026, 12, 1, 9, 0, 0) }.Problem(), StringComparison.Ordinal);
        Assert.Contains("duration", new MaintenanceWindow { Server = "MBX1", Start = new DateTime(2026, 12, 1, 9, 0, 0), Duration = TimeSpan.FromDays(8) }.Problem(), StringComparison.Ordinal);
        Assert.Contains("either start", new MaintenanceWindow { Server = "MBX1", Duration = TimeSpan.FromHours(1) }.Problem(), StringComparison.Ordinal);
        Assert.Contains("either start", new MaintenanceWindow { Server = "MBX1", Start = new DateTime(2026, 12, 1, 9, 0, 0), Days = [DayOfWeek.Monday], At = TimeSpan.Zero, Duration = TimeSpan.FromHours(1) }.Problem(), StringComparison.Ordinal);
        Assert.Contains("needs at", new MaintenanceWindow { Server = "MBX1", Days = [DayOfWeek.Monday], Duration = TimeSpan.FromHours(1) }.Problem(), StringComparison.Ordinal);
        Assert.Contains("time of day", new MaintenanceWindow { Server = "MBX1", Days = [DayOfWeek.Monday], At = TimeSpan.FromHours(25), Duration = TimeSpan.FromHours(1) }.Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_calendar_answers_the_window_that_closes_last_and_the_legacy_flag_as_one_without_end()
    {
        var clock = new FakeTimeProvider(Utc(10, 24, 21));
        var options = new MaintenanceOptions { TimeZone = "Europe/Paris", Windows = [Saturdays2200For4Hours()] };
        var store = new InMemoryMaintenanceStore();
        var topology = new TopologyOptions { Servers = [Mbx1, Mbx9] };
        var calendar = new MaintenanceCalendar(Monitor(options), Monitor(topology), store, clock);

        var (scheduled, _) = await calendar.ScheduleAsync(new MaintenanceWindow { Server = "MBX1", Start = new DateTime(2026, 10, 24, 22, 30, 0), Duration = TimeSpan.FromHours(8), Reason = "patching" }, null, default);
        var (refused, problem) = await calendar.ScheduleAsync(new MaintenanceWindow { Server = "NOPE", Start = new DateTime(2026, 12, 1, 9, 0, 0), Duration = TimeSpan.FromHours(1) }, null, default);
        var open = await calendar.OpenForAsync(Mbx1, default);
        var far = await calendar.OpenForAsync(Mbx9, default);
        var flagged = await calendar.OpenForAsync(new ExchangeServerOptions { Name = "MBX9", InMaintenance = true }, default);

        Assert.Equal((scheduled!.Id, Utc(10, 25, 4, 30)), (open!.WindowId, open.Until));
        Assert.Contains("patching", open.Describe("MBX1", calendar.Zone), StringComparison.Ordinal);
        Assert.Contains("until 2026-10-25 05:30 Europe/Paris", open.Describe("MBX1", calendar.Zone), StringComparison.Ordinal);
        Assert.Null(far);
        Assert.Null(flagged!.Until);
        Assert.Null(refused);
        Assert.Equal("server NOPE matches no server in the configured topology.", problem);
    }

    [Fact]
    public void Settings_with_an_unknown_zone_or_a_bad_window_are_refused_at_start_naming_the_setting()
    {
        var problems = new MaintenanceOptions { TimeZone = "Mars/Olympus", Windows = [new MaintenanceWindow { Dag = "DAG1" }] }
            .Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).Select(r => r.ErrorMessage).ToList();

        Assert.Contains(problems, p => p!.Contains("Remediation:Maintenance:TimeZone", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.Contains("Remediation:Maintenance:Windows:0", StringComparison.Ordinal) && p.Contains("duration", StringComparison.Ordinal));
    }
}
