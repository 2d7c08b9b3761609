using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Remediation.Exchange;
using Remediation.Imap;
using Remediation.Monitoring;

namespace Remediation.Recovery.Activities;

/// <summary>Input of <see cref="ReadImapCountersActivity"/>: the server and the performance monitor to judge by.</summary>
public sealed record CounterRequest(string Server, string Monitor);

/// <summary>
/// Reads the MSExchangeImap4 counters through the agent and judges them by the monitor's threshold: how a run verifies
/// a performance alert (these monitors have no probe to re-run).
/// </summary>
public sealed class ReadImapCountersActivity(AgentConnection agent, IOptionsMonitor<MonitorOptions> limits) : TaskActivity<CounterRequest, CounterVerdict>
{
    /// <inheritdoc />
    public override async Task<CounterVerdict> RunAsync(TaskActivityContext context, CounterRequest input)
    {
        var monitor = ImapHealthModel.FindMonitor(input.Monitor) ?? throw new ArgumentException($"No monitor '{input.Monitor}'.", nameof(input));
        var counters = await agent.Client().GetImapCountersAsync(input.Server, CancellationToken.None);
        return PerformanceThresholds.Judge(monitor, counters, limits.CurrentValue);
    }
}
