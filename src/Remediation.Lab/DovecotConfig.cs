using System.Globalization;
using System.Text;

namespace Remediation.Lab;

/// <summary>Writes the private Dovecot configurations of the lab (see shared/lab for the measured reasons behind each line).</summary>
internal static class DovecotConfig
{
    internal sealed record Accounts(string LoginUser, string InternalUser, string InternalGroup, string MailUser, string MailGroup);

    internal static Accounts CurrentAccounts()
    {
        if (Environment.UserName == "root")
        {
            return new("dovenull", "dovecot", "dovecot", "nobody", "nogroup");
        }

        var user = Environment.UserName;
        var group = ReadPrimaryGroup() ?? user;
        return new(user, user, group, user, group);
    }

    internal static string Common(string instance, string directory, LabCertificate certificate, int imapPort, IReadOnlyList<int> imapsPorts, bool tuned, Accounts accounts) => $$"""
        instance_name = imaplab-{{Path.GetFileName(directory)}}
        base_dir = {{directory}}/run
        state_dir = {{directory}}/state
        log_path = {{directory}}/dovecot.log
        default_login_user = {{accounts.LoginUser}}
        default_internal_user = {{accounts.InternalUser}}
        default_internal_group = {{accounts.InternalGroup}}
        protocols = imap
        listen = 127.0.0.1
        ssl = yes
        ssl_cert = <{{certificate.ServerCertPath}}
        ssl_key = <{{certificate.ServerKeyPath}}
        disable_plaintext_auth = no
        auth_mechanisms = plain login
        auth_verbose = yes
        auth_failure_delay = 0 secs
        verbose_proctitle = yes
        login_greeting = The Microsoft Exchange IMAP4 service is ready. [{{instance}}]
        service imap-login {
          chroot =
          inet_listener imap {
            port = {{imapPort}}
          }
        {{ImapsListeners(imapsPorts)}}{{(tuned ? TunedLogin : "")}}
        }
        {{(tuned ? TunedImap : "")}}
        service ipc {
          chroot =
        }
        service old-stats {
          chroot =
        }
        service anvil {
          chroot =
          unix_listener anvil-auth-penalty {
            mode = 0
          }
        }

        """;

    static string ImapsListeners(IReadOnlyList<int> ports)
    {
        var text = new StringBuilder();
        for (var i = 0; i < ports.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  inet_listener imaps{(i == 0 ? "" : i.ToString(CultureInfo.InvariantCulture))} {{\n    port = {ports[i]}\n    ssl = yes\n  }}\n");
        }

        return text.ToString();
    }

    // Dovecot's "high-performance mode": a login process serves many connections, and idle processes wait ready.
    const string TunedLogin = """
          service_count = 0
          process_min_avail = 2
        """;

    const string TunedImap = """
        service imap {
          service_count = 100
          process_min_avail = 4
        }
        """;

    internal static string BackEnd(string directory, Accounts accounts) => $$"""
        login_trusted_networks = 127.0.0.0/8
        mail_location = maildir:{{directory}}/mail/%u
        mail_uid = {{accounts.MailUser}}
        mail_gid = {{accounts.MailGroup}}
        first_valid_uid = 1
        passdb {
          driver = passwd-file
          args = scheme=PLAIN {{directory}}/users
        }
        userdb {
          driver = static
          args = home={{directory}}/mail/%u
        }

        """;

    internal static string Proxy(string directory) => $$"""
        login_proxy_max_reconnects = 0
        passdb {
          driver = passwd-file
          args = {{directory}}/routes
        }

        """;

    internal static string Users(LabMailboxServer server) => $"{server.ProbeUser}:{{PLAIN}}{server.ProbePassword}\n";

    /// <summary>The CAS routing table: every probe mailbox proxied to the back end that hosts it.</summary>
    internal static string Routes(IEnumerable<(string User, int Port)> routes)
    {
        var text = new StringBuilder();
        foreach (var (user, port) in routes)
        {
            text.Append(CultureInfo.InvariantCulture, $"{user}:::::::proxy=y host=127.0.0.1 port={port} nopassword=y\n");
        }

        return text.ToString();
    }

    static string? ReadPrimaryGroup()
    {
        // /etc/passwd: name:x:uid:gid:...; /etc/group: name:x:gid:members
        var gid = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f[0] == Environment.UserName)?[3];
        return gid is null ? null : File.ReadLines("/etc/group").Select(l => l.Split(':')).FirstOrDefault(f => f[2] == gid)?[0];
    }
}
