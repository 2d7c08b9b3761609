using System.Globalization;

namespace Remediation.Bench;

/// <summary>
/// CPU time of the lab's Dovecot process trees, from /proc: every live process under the masters (user + system,
/// plus what they reaped), so forked-and-gone login processes are counted through their parents.
/// </summary>
internal static class ServerCpu
{
    const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds(IEnumerable<int> roots)
    {
        var parents = new Dictionary<int, int>();
        var cpu = new Dictionary<int, double>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                // Fields after the command (which may hold spaces) start at the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                cpu[pid] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                    + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (IOException)
            {
                // gone while we looked
            }
        }

        var tree = new HashSet<int>(roots);
        bool grew;
        do
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (tree.Contains(parent) && tree.Add(pid))
                {
                    grew = true;
                }
            }
        }
        while (grew);
        return tree.Sum(pid => cpu.GetValueOrDefault(pid));
    }
}
