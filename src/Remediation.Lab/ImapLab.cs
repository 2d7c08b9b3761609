using Microsoft.Extensions.Logging.Abstractions;
using Remediation.Imap;

namespace Remediation.Lab;

/// <summary>
/// The IMAP lab: a real Dovecot back end per mailbox server and a Dovecot IMAP proxy per CAS in front of them,
/// on free 127.0.0.1 ports, with a throw-away CA. Each process can be stopped and started for fault injection.
/// </summary>
public sealed class ImapLab : IAsyncDisposable
{
    /// <summary>Where Debian installs Dovecot.</summary>
    public const string DefaultDovecotPath = "/usr/sbin/dovecot";

    readonly bool ownsDirectory;

    ImapLab(string directory, bool ownsDirectory, LabDefinition definition, LabCertificate certificate)
    {
        Directory = directory;
        this.ownsDirectory = ownsDirectory;
        Definition = definition;
        Certificate = certificate;
    }

    /// <summary>The lab's folder.</summary>
    public string Directory { get; }

    /// <summary>What was started.</summary>
    public LabDefinition Definition { get; }

    readonly HashSet<int> allocatedPorts = [];

    /// <summary>The CA that signed every lab server's certificate: trust this, and only this, in probes.</summary>
    public LabCertificate Certificate { get; }

    /// <summary>Back ends by mailbox server name.</summary>
    public IReadOnlyDictionary<string, DovecotInstance> MailboxServers { get; private set; } = new Dictionary<string, DovecotInstance>();

    /// <summary>Proxies by CAS name.</summary>
    public IReadOnlyDictionary<string, DovecotInstance> ClientAccessServers { get; private set; } = new Dictionary<string, DovecotInstance>();

    /// <summary>Every Dovecot process of the lab.</summary>
    public IEnumerable<DovecotInstance> Instances => MailboxServers.Values.Concat(ClientAccessServers.Values);

    /// <summary>Writes the configuration, starts every back end, then every proxy.</summary>
    /// <param name="definition">Servers to start.</param>
    /// <param name="directory">Lab folder; a fresh temporary folder (removed on dispose) when null.</param>
    /// <param name="loggerFactory">Logs start and stop of each process.</param>
    /// <param name="dovecotPath">The Dovecot binary.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ImapLab> StartAsync(
        LabDefinition definition,
        string? directory = null,
        ILoggerFactory? loggerFactory = null,
        string dovecotPath = DefaultDovecotPath,
        CancellationToken cancellationToken = default)
    {
        if (!File.Exists(dovecotPath))
        {
            throw new InvalidOperationException($"Dovecot is not installed at {dovecotPath}: run eng/install-deps.sh (apt-get install dovecot-imapd).");
        }

        var owns = directory is null;
        directory = directory is null ? System.IO.Directory.CreateTempSubdirectory("imaplab-").FullName : System.IO.Directory.CreateDirectory(directory).FullName;
        OpenUp(directory);
        EnsureTraversable(directory);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ImapLab>();
        var certificate = LabCertificate.Create(Path.Combine(directory, "tls"), TimeProvider.System);
        OpenUp(Path.Combine(directory, "tls"));
        var lab = new ImapLab(directory, owns, definition, certificate);
        try
        {
            var accounts = DovecotConfig.CurrentAccounts();
            var backEnds = new Dictionary<string, DovecotInstance>(StringComparer.OrdinalIgnoreCase);
            foreach (var server in definition.MailboxServers)
            {
                var instance = lab.Prepare(server.Name, ImapServices.BackEnd, accounts, dovecotPath, logger);
                var mail = System.IO.Directory.CreateDirectory(Path.Combine(instance.Directory, "mail")).FullName;
                if (accounts.MailUser == "nobody" && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(mail, (UnixFileMode)0x1FF); // mail cannot be owned by uid 0: let "nobody" write
                }

                await File.AppendAllTextAsync(instance.ConfigPath, DovecotConfig.BackEnd(instance.Directory, accounts), cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(instance.Directory, "users"), DovecotConfig.Users(server), cancellationToken);
                backEnds[server.Name] = instance;
            }

            var proxies = new Dictionary<string, DovecotInstance>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in definition.ClientAccessServers)
            {
                var instance = lab.Prepare(name, ImapServices.FrontEnd, accounts, dovecotPath, logger);
                await File.AppendAllTextAsync(instance.ConfigPath, DovecotConfig.Proxy(instance.Directory), cancellationToken);
                var routes = definition.MailboxServers.Select(s => (s.ProbeUser, backEnds[s.Name].ImapPort));
                await File.WriteAllTextAsync(Path.Combine(instance.Directory, "routes"), DovecotConfig.Routes(routes), cancellationToken);
                proxies[name] = instance;
            }

            lab.MailboxServers = backEnds;
            lab.ClientAccessServers = proxies;
            foreach (var instance in lab.Instances)
            {
                await instance.StartAsync(cancellationToken);
            }

            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The mailbox server that hosts <paramref name="user"/>.</summary>
    public LabMailboxServer MailboxOf(string user) =>
        Definition.MailboxServers.First(s => string.Equals(s.ProbeUser, user, StringComparison.OrdinalIgnoreCase));

    /// <summary>Stops every process (hard: a lab is throw-away) and removes a folder the lab created.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var instance in Instances)
        {
            await instance.DisposeAsync();
        }

        if (ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A process that outlived its group kill may still hold a file; the temp folder goes with the machine.
            }
        }
    }

    DovecotInstance Prepare(string name, string service, DovecotConfig.Accounts accounts, string dovecotPath, ILogger logger)
    {
        // A multi-role server's proxy lives beside its back end, in a folder (and Dovecot instance name) of its own.
        var folder = name.ToLowerInvariant() + (service == ImapServices.FrontEnd && Definition.HoldsBothRoles(name) ? "-fe" : "");
        var directory = Path.Combine(Directory, folder);

        // Dovecot puts unix sockets under base_dir (the longest: run/token-login/imap-urlauth); Linux caps their path at 108 bytes.
        var longestSocket = Path.Combine(directory, "run", "token-login", "imap-urlauth");
        if (longestSocket.Length >= 108)
        {
            throw new InvalidOperationException($"The lab folder {Directory} is too deep: Dovecot's socket {longestSocket} would pass the 108-byte limit of unix socket paths. Use a shorter folder.");
        }

        foreach (var sub in new[] { directory, Path.Combine(directory, "run"), Path.Combine(directory, "state") })
        {
            System.IO.Directory.CreateDirectory(sub);
            OpenUp(sub);
        }

        // Ports are unused when chosen, but the kernel may hand one out twice before Dovecot binds it: never reuse within the lab.
        var ports = new List<int>();
        while (ports.Count < 1 + Definition.ImapsListeners)
        {
            var port = FreePort.Next();
            if (allocatedPorts.Add(port))
            {
                ports.Add(port);
            }
        }

        var imapsPorts = ports[1..];
        var instance = new DovecotInstance(name, service, directory, ports[0], imapsPorts, dovecotPath, logger);
        File.WriteAllText(instance.ConfigPath, DovecotConfig.Common(name, directory, Certificate, instance.ImapPort, imapsPorts, Definition.TunedForLogins, accounts));
        return instance;
    }

    /// <summary>Dovecot's unprivileged processes must reach the lab: every parent folder needs others' execute bit.</summary>
    static void EnsureTraversable(string directory)
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root")
        {
            return; // run as the current user, the lab's processes are that user too
        }

        for (var parent = System.IO.Directory.GetParent(directory); parent is not null; parent = parent.Parent)
        {
            if (!File.GetUnixFileMode(parent.FullName).HasFlag(UnixFileMode.OtherExecute))
            {
                throw new InvalidOperationException(
                    $"The lab folder {directory} cannot be reached by Dovecot's unprivileged processes: {parent.FullName} is not traversable by others. Put the lab under a folder with mode 0755.");
            }
        }
    }

    // Temporary folders are created 0700; Dovecot's unprivileged login and mail processes must traverse them.
    static void OpenUp(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        }
    }
}
