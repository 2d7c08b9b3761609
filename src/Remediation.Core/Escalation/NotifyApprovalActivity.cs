using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Remediation.Runs;
using Remediation.Telemetry;

namespace Remediation.Escalation;

/// <summary>Input of <see cref="NotifyApprovalActivity"/>.</summary>
/// <param name="RunId">The run waiting.</param>
/// <param name="Action">The action it waits to be approved.</param>
/// <param name="Step">The approval's step number (the deep link opens it).</param>
/// <param name="ApprovalsNeeded">How many different approvers it needs.</param>
/// <param name="Until">When the wait times out.</param>
public sealed record ApprovalNotice(string RunId, string Action, int Step, int ApprovalsNeeded, DateTimeOffset Until);

/// <summary>
/// Asks for an approval where the team works: an Adaptive Card to the Teams workflow, when one is configured. Never
/// fails: a channel that refuses is logged and counted, and the run waits in the console all the same.
/// </summary>
public sealed partial class NotifyApprovalActivity(IRunLedger ledger, IHttpClientFactory http, IOptionsMonitor<EscalationOptions> options, ILogger<NotifyApprovalActivity> logger)
    : TaskActivity<ApprovalNotice, string>
{
    /// <inheritdoc />
    public override async Task<string> RunAsync(TaskActivityContext context, ApprovalNotice input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = options.CurrentValue;
        if (EscalationOptions.IsUnresolved(settings.TeamsWorkflowUrl))
        {
            return "The Teams workflow URL is an unresolved Key Vault reference: the request waits in the console.";
        }

        if (settings.TeamsWorkflowUrl is not { } teams)
        {
            return "No Teams workflow configured: the request waits in the console.";
        }

        try
        {
            var run = await ledger.GetAsync(input.RunId, CancellationToken.None) ?? throw new InvalidOperationException($"Run '{input.RunId}' is not in the ledger.");
            await TeamsCards.PostAsync(http.CreateClient(EscalateActivity.WebhookClient), teams, TeamsCards.ApprovalRequest(run, input.Action, input.Step, input.ApprovalsNeeded, input.Until, settings.ConsoleUrl));
            RemediationTelemetry.Escalations.Add(1, new("channel", "teams-approval"), new("result", "delivered"));
            return "Approval request posted to Teams.";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is TaskCanceledException)
        {
            // Whatever went wrong (the workflow, the ledger), the run must go on waiting: an activity that threw would
            // end it Failed.
            RemediationTelemetry.Escalations.Add(1, new("channel", "teams-approval"), new("result", "failed"));
            LogFailed(logger, input.RunId, ex.Message);
            return $"Approval request NOT posted to Teams: {ex.Message}";
        }
    }

    [LoggerMessage(LogLevel.Warning, "Run {RunId}: the approval request could not be posted to Teams: {Error}")]
    static partial void LogFailed(ILogger logger, string runId, string error);
}
