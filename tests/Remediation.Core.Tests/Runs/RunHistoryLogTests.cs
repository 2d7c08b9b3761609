using Microsoft.Extensions.Logging;
using Remediation.Runs;

namespace Remediation.Core.Tests.Runs;

/// <summary>The run history events carry exactly the properties the workbook reads (RunHistoryLog.Properties).</summary>
public sealed class RunHistoryLogTests
{
    sealed class Capture : ILogger
    {
        public List<IReadOnlyList<KeyValuePair<string, object?>>> States { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            States.Add((IReadOnlyList<KeyValuePair<string, object?>>)state!);
    }

    [Fact]
    public void Opened_step_and_closed_events_carry_the_workbooks_properties_and_nothing_it_does_not_know()
    {
        var capture = new Capture();

        RunHistoryLog.Opened(capture, "RunOpened", "r1", "MBX1", "IMAP.Protocol", "ImapDeepTestMonitor", "a1");
        RunHistoryLog.Step(capture, "RunStep", "r1", "MBX1", "ImapDeepTestMonitor", 3, "Approval for: Restart server", "Wait for an operator", StepOutcome.Approved, 120_000, "Approved by Alice (alice)");
        RunHistoryLog.Closed(capture, "RunClosed", "r1", "MBX1", "ImapDeepTestMonitor", RunOutcome.Recovered, 600_000, "Recovered.");

        var emitted = capture.States.SelectMany(s => s.Select(p => p.Key)).Where(k => k != "{OriginalFormat}").ToHashSet();
        Assert.Equal(RunHistoryLog.Properties.Order(), emitted.Order());
        Assert.Equal(RunHistoryLog.Events, capture.States.Select(s => (string)s.Single(p => p.Key == "RunEvent").Value!));
        Assert.Equal("Recovered", capture.States[2].Single(p => p.Key == "Outcome").Value!.ToString());
    }
}
