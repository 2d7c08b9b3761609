namespace Remediation.Lab;

/// <summary><c>bash eng/run-lab.sh</c>: the standalone host against the lab, with the lab agent and the dashboard.</summary>
public static partial class LabProgram
{
    /// <summary>Runs lab mode until Ctrl+C; everything it started stops with it.</summary>
    public static async Task Main(string[] args)
    {
        await using var lab = await LabHost.StartAsync(args);
        var logger = lab.App.Services.GetRequiredService<ILogger<LabHost>>();
        LogListening(logger, lab.Address);
        foreach (var instance in lab.Lab.Instances)
        {
            LogServer(logger, instance.Name, instance.Service, instance.Pid, instance.ImapsPort);
        }

        LogHowTo(logger, lab.Address);
        await lab.App.WaitForShutdownAsync();
    }

    [LoggerMessage(LogLevel.Information, "Lab mode: dashboard and API on {Address} (runs: {Address}api/runs)")]
    static partial void LogListening(ILogger logger, Uri address);

    [LoggerMessage(LogLevel.Information, "Lab server {Name} {Service}: Dovecot pid {Pid}, imaps 127.0.0.1:{Port}")]
    static partial void LogServer(ILogger logger, string name, string service, int? pid, int port);

    [LoggerMessage(LogLevel.Information, "Inject a fault: kill the pid above, or POST {Address}lab/servers/MBX1/stop with the anti-forgery token (README, \"Trying it\"); bring it back: .../MBX1/start")]
    static partial void LogHowTo(ILogger logger, Uri address);
}
