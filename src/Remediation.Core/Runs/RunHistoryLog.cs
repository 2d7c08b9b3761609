using Microsoft.Extensions.Logging;

namespace Remediation.Runs;

/// <summary>
/// Every run and step as a structured event where ops teams already look: through the host's logging (OpenTelemetry
/// to Application Insights, the console, journald) each is one record whose properties are columns
/// (<c>customDimensions</c> in Application Insights: RunEvent, RunId, Server, Monitor, Step, Outcome, ...). The run
/// workbook (infra/modules/monitoring.bicep) queries exactly these names; a test holds the two together.
/// </summary>
public static partial class RunHistoryLog
{
    /// <summary>The logger category the events use.</summary>
    public const string Category = "Remediation.RunHistory";

    /// <summary>The RunEvent values, as the workbook filters on them.</summary>
    public static readonly string[] Events = ["RunOpened", "RunStep", "RunClosed"];

    /// <summary>The properties every event or some carry, as the workbook reads them.</summary>
    public static readonly string[] Properties = ["RunEvent", "RunId", "Server", "HealthSet", "Monitor", "AlertId", "Sequence", "Step", "Operation", "Outcome", "Answer", "DurationMs", "Reason"];

    /// <summary>A run opened.</summary>
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "{RunEvent} {RunId} on {Server} for {HealthSet}/{Monitor} (alert {AlertId})")]
    public static partial void Opened(ILogger logger, string runEvent, string runId, string server, string healthSet, string? monitor, string alertId);

    /// <summary>A step ended (an approval wait's or a recheck wait's duration included).</summary>
    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "{RunEvent} {RunId} on {Server} ({Monitor}) #{Sequence} {Step} [{Operation}]: {Outcome} after {DurationMs} ms: {Answer}")]
    public static partial void Step(ILogger logger, string runEvent, string runId, string server, string? monitor, int sequence, string step, string operation, StepOutcome outcome, double durationMs, string? answer);

    /// <summary>A run ended.</summary>
    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "{RunEvent} {RunId} on {Server} ({Monitor}): {Outcome} after {DurationMs} ms: {Reason}")]
    public static partial void Closed(ILogger logger, string runEvent, string runId, string server, string? monitor, RunOutcome outcome, double durationMs, string? reason);
}
