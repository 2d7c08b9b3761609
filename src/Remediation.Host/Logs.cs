namespace Remediation.Host;

/// <summary>The host's start-up messages.</summary>
internal static partial class Logs
{
    [LoggerMessage(LogLevel.Information, "Remediation host listening on {Address} (runs: {Address}api/runs)")]
    public static partial void Listening(ILogger logger, Uri address);

    [LoggerMessage(LogLevel.Information, "Durable engine: {Backend}")]
    public static partial void DurableBackendStarted(this ILogger logger, string backend);
}
