namespace Remediation.Host;

/// <summary>The host's start-up messages.</summary>
internal static partial class Logs
{
    [LoggerMessage(LogLevel.Information, "Remediation host listening on {Address} (runs: {Address}api/runs)")]
    public static partial void Listening(ILogger logger, Uri address);

    [LoggerMessage(LogLevel.Information, "Durable engine: {Backend}")]
    public static partial void DurableBackendStarted(this ILogger logger, string backend);

    [LoggerMessage(LogLevel.Information, "Lab server {Name}: Dovecot pid {Pid}, imaps 127.0.0.1:{Port}")]
    public static partial void LabServer(ILogger logger, string name, int? pid, int port);

    [LoggerMessage(LogLevel.Information, "Inject a fault: curl -X POST {Address}lab/servers/MBX1/stop  (or kill the pid above); bring it back: .../MBX1/start")]
    public static partial void LabHowTo(ILogger logger, Uri address);
}
