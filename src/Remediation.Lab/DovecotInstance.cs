using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Remediation.Lab;

/// <summary>
/// One real Dovecot process (an IMAP back end or an IMAP proxy) with a private configuration on 127.0.0.1.
/// Started in the foreground as its own session leader, so a hard stop can take its whole process group.
/// </summary>
public sealed partial class DovecotInstance : IAsyncDisposable
{
    const int SigTerm = 15;
    const int SigKill = 9;
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    readonly ILogger logger;
    readonly string dovecotPath;

    // An operator's stop and the lab agent's restart can race on one instance: one at a time.
    readonly SemaphoreSlim gate = new(1, 1);
    Process? process;

    internal DovecotInstance(string name, string service, string directory, int imapPort, IReadOnlyList<int> imapsPorts, string dovecotPath, ILogger logger)
    {
        Name = name;
        Service = service;
        Directory = directory;
        ImapPort = imapPort;
        ImapsPorts = imapsPorts;
        this.dovecotPath = dovecotPath;
        this.logger = logger;
    }

    /// <summary>The lab name of the server this process plays (e.g. MBX1, CAS1).</summary>
    public string Name { get; }

    /// <summary>
    /// The Exchange service this process plays: MSExchangeIMAP4BE for a back end, MSExchangeIMAP4 for a proxy (a
    /// multi-role server runs both under one name, as Exchange 2016 and later do).
    /// </summary>
    public string Service { get; }

    /// <summary>Where its configuration, state and logs live.</summary>
    public string Directory { get; }

    /// <summary>Plain IMAP port (STARTTLS offered).</summary>
    public int ImapPort { get; }

    /// <summary>IMAP over TLS port.</summary>
    public int ImapsPort => ImapsPorts[0];

    /// <summary>Every IMAP over TLS port (more than one when the lab definition asks for several listeners).</summary>
    public IReadOnlyList<int> ImapsPorts { get; }

    /// <summary>The master process ID while running, else null.</summary>
    public int? Pid => process is { HasExited: false } p ? p.Id : null;

    /// <summary>True while the master process is alive.</summary>
    public bool IsRunning => Pid is not null;

    /// <summary>True between the process start and its first IMAP greeting (Win32_Service's "Start Pending").</summary>
    public bool IsStarting { get; private set; }

    internal string ConfigPath => Path.Combine(Directory, "dovecot.conf");
    string LogPath => Path.Combine(Directory, "dovecot.log");
    string PidFile => Path.Combine(Directory, "master.pid.lab");

    /// <summary>Starts the process and returns once it serves a real IMAP greeting.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await StartLockedAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    async Task StartLockedAsync(CancellationToken cancellationToken)
    {
        IsStarting = true;
        try
        {
            await StartProcessAsync(cancellationToken);
        }
        finally
        {
            IsStarting = false;
        }
    }

    async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        // A lab server restarting in the background must not come back once the lab is stopped.
        ObjectDisposedException.ThrowIf(disposed, this);
        if (IsRunning)
        {
            return;
        }

        KillStale();
        File.Delete(Path.Combine(Directory, "run", "master.pid"));
        var started = Stopwatch.StartNew();

        // exec keeps the PID; setsid makes it a session (and process group) leader. Dovecot keeps the caller's
        // stderr and inherits fds, so its output goes to a file, never to a pipe we would have to drain.
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec setsid \"$0\" -F -c \"$1\" </dev/null >>\"$2\" 2>&1");
        info.ArgumentList.Add(dovecotPath);
        info.ArgumentList.Add(ConfigPath);
        info.ArgumentList.Add(Path.Combine(Directory, "startup.log"));
        process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start Dovecot for {Name}.");
        await File.WriteAllTextAsync(PidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        while (!await GreetsAsync(ImapPort, timeout.Token))
        {
            if (process.HasExited || timeout.IsCancellationRequested)
            {
                var why = process.HasExited ? $"exited with code {process.ExitCode}" : $"did not greet within {StartTimeout.TotalSeconds} s";
                await StopLockedAsync(hard: true);
                throw new InvalidOperationException($"Dovecot for {Name} {why}. Last log lines:\n{Tail()}");
            }

            await Task.Delay(50, CancellationToken.None);
        }

        LogStarted(logger, Name, process.Id, ImapPort, ImapsPort, started.ElapsedMilliseconds);
    }

    /// <summary>Stops the process: SIGTERM and wait, or (hard) SIGKILL to the whole process group, like a crash.</summary>
    public async Task StopAsync(bool hard = false)
    {
        await gate.WaitAsync();
        try
        {
            await StopLockedAsync(hard);
        }
        finally
        {
            gate.Release();
        }
    }

    async Task StopLockedAsync(bool hard)
    {
        var p = process;
        if (p is null)
        {
            return;
        }

        if (!p.HasExited)
        {
            _ = kill(hard ? -p.Id : p.Id, hard ? SigKill : SigTerm);
            using var wait = new CancellationTokenSource(StopTimeout);
            try
            {
                await p.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _ = kill(-p.Id, SigKill);
                await p.WaitForExitAsync(CancellationToken.None);
            }

            // The master's children (imap-login, auth) leave with it on SIGTERM; after SIGKILL make sure of it.
            _ = kill(-p.Id, SigKill);
            await WaitForPortsClosedAsync();
            LogStopped(logger, Name, p.Id, hard);
        }

        p.Dispose();
        process = null;
        File.Delete(PidFile);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        await gate.WaitAsync();
        try
        {
            disposed = true;
            await StopLockedAsync(hard: true);
        }
        finally
        {
            gate.Release();
        }
    }

    volatile bool disposed;

    /// <summary>True when something on the port answers with an IMAP <c>* OK</c> greeting.</summary>
    public static async Task<bool> GreetsAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient(AddressFamily.InterNetwork);
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            using var stream = client.GetStream();
            var buffer = new byte[256];
            using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            readTimeout.CancelAfter(TimeSpan.FromSeconds(2));
            var read = await stream.ReadAsync(buffer, readTimeout.Token);
            var line = Encoding.ASCII.GetString(buffer, 0, read);
            await stream.WriteAsync("x LOGOUT\r\n"u8.ToArray(), cancellationToken);
            return line.StartsWith("* OK", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    async Task WaitForPortsClosedAsync()
    {
        for (var i = 0; i < 100 && (FreePort.IsListening(ImapPort) || FreePort.IsListening(ImapsPort)); i++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>A master left behind by an earlier, killed run of this lab folder: ours only if its command line names our config.</summary>
    void KillStale()
    {
        if (!File.Exists(PidFile) || !int.TryParse(File.ReadAllText(PidFile), out var pid))
        {
            return;
        }

        var cmdline = $"/proc/{pid}/cmdline";
        if (File.Exists(cmdline) && File.ReadAllText(cmdline).Contains(ConfigPath, StringComparison.Ordinal))
        {
            _ = kill(-pid, SigKill);
        }

        File.Delete(PidFile);
    }

    string Tail()
    {
        var lines = new List<string>();
        foreach (var file in new[] { Path.Combine(Directory, "startup.log"), LogPath })
        {
            if (File.Exists(file))
            {
                lines.AddRange(File.ReadLines(file).TakeLast(5));
            }
        }

        return string.Join('\n', lines);
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA5392 // one libc call; LibraryImport would need unsafe code for nothing
    static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054, CA5392

    [LoggerMessage(LogLevel.Information, "Lab {Name}: Dovecot up, pid {Pid}, imap 127.0.0.1:{ImapPort}, imaps 127.0.0.1:{ImapsPort}, ready in {Elapsed} ms")]
    static partial void LogStarted(ILogger logger, string name, int pid, int imapPort, int imapsPort, long elapsed);

    [LoggerMessage(LogLevel.Information, "Lab {Name}: Dovecot pid {Pid} stopped (hard: {Hard})")]
    static partial void LogStopped(ILogger logger, string name, int pid, bool hard);
}
