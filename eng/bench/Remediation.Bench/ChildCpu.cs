using System.Runtime.InteropServices;

namespace Remediation.Bench;

/// <summary>CPU time used by this process's waited-for children (getrusage RUSAGE_CHILDREN): the peers' client CPU.</summary>
internal static class ChildCpu
{
    [StructLayout(LayoutKind.Sequential)]
    struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA5392
    static extern int getrusage(int who, out RUsage usage);
#pragma warning restore SYSLIB1054, CA5392

    /// <summary>Seconds of user + system CPU of all reaped children so far.</summary>
    public static double Seconds()
    {
        _ = getrusage(-1, out var usage); // RUSAGE_CHILDREN
        return usage.User.Seconds + usage.User.Microseconds / 1e6 + usage.System.Seconds + usage.System.Microseconds / 1e6;
    }
}
