using Microsoft.DurableTask;
using Remediation.AgentApi;
using Remediation.Exchange;

namespace Remediation.Recovery.Activities;

/// <summary>Input of a step that acts on a server; the key makes a retried step return the first answer.</summary>
public sealed record ServerStep(string Server, string IdempotencyKey);

/// <summary>Input of <see cref="RestartImapServiceActivity"/>.</summary>
public sealed record ServiceStep(string Server, string Service, string IdempotencyKey);

/// <summary>Input of the steps that set a flag (activation, protocol logging).</summary>
public sealed record FlagStep(string Server, bool Value, string IdempotencyKey);

/// <summary>Restart-Service MSExchangeIMAP4 / MSExchangeIMAP4BE through the agent.</summary>
public sealed class RestartImapServiceActivity(AgentConnection agent) : TaskActivity<ServiceStep, RestartResult>
{
    /// <inheritdoc />
    public override Task<RestartResult> RunAsync(TaskActivityContext context, ServiceStep input) =>
        agent.Client().RestartServiceAsync(input.Server, input.Service, input.IdempotencyKey, CancellationToken.None);
}

/// <summary>Restart-Computer -Force through the agent: answers as soon as the restart has started (the run watches it come back).</summary>
public sealed class RestartServerActivity(AgentConnection agent) : TaskActivity<ServerStep, ServerRestartStarted>
{
    /// <inheritdoc />
    public override Task<ServerRestartStarted> RunAsync(TaskActivityContext context, ServerStep input) =>
        agent.Client().RestartServerAsync(input.Server, input.IdempotencyKey, CancellationToken.None);
}

/// <summary>Is a restarted server back: its last boot time and IMAP4 services (a read; unreachable is an answer).</summary>
public sealed class ReadServerStateActivity(AgentConnection agent) : TaskActivity<string, ServerState>
{
    /// <inheritdoc />
    public override Task<ServerState> RunAsync(TaskActivityContext context, string input) =>
        agent.Client().GetServerStateAsync(input, CancellationToken.None);
}

/// <summary>Set-MailboxServer -DatabaseCopyActivationDisabledAndMoveNow (true: fail over; false: fail back).</summary>
public sealed class SetDatabaseCopyActivationActivity(AgentConnection agent) : TaskActivity<FlagStep, DatabaseCopyStatus>
{
    /// <inheritdoc />
    public override Task<DatabaseCopyStatus> RunAsync(TaskActivityContext context, FlagStep input) =>
        agent.Client().SetDatabaseCopyActivationAsync(input.Server, input.Value, input.IdempotencyKey, CancellationToken.None);
}

/// <summary>Move-ActiveMailboxDatabase -ActivatePreferredOnServer (fail-back): the server's copies after the move.</summary>
public sealed class ActivatePreferredOnServerActivity(AgentConnection agent) : TaskActivity<ServerStep, DatabaseCopyStatus>
{
    /// <inheritdoc />
    public override Task<DatabaseCopyStatus> RunAsync(TaskActivityContext context, ServerStep input) =>
        agent.Client().ActivatePreferredOnServerAsync(input.Server, input.IdempotencyKey, CancellationToken.None);
}

/// <summary>Get-MailboxDatabaseCopyStatus -Server | Group Status.</summary>
public sealed class ReadDatabaseCopyStatusActivity(AgentConnection agent) : TaskActivity<string, DatabaseCopyStatus>
{
    /// <inheritdoc />
    public override Task<DatabaseCopyStatus> RunAsync(TaskActivityContext context, string input) =>
        agent.Client().GetDatabaseCopyStatusAsync(input, CancellationToken.None);
}

/// <summary>Set-ImapSettings -ProtocolLogEnabled.</summary>
public sealed class SetImapProtocolLoggingActivity(AgentConnection agent) : TaskActivity<FlagStep, ImapSettings>
{
    /// <inheritdoc />
    public override Task<ImapSettings> RunAsync(TaskActivityContext context, FlagStep input) =>
        agent.Client().SetImapSettingsAsync(input.Server, input.Value, input.IdempotencyKey, CancellationToken.None);
}

/// <summary>Get-ImapSettings (protocol log state and LogFileLocation).</summary>
public sealed class ReadImapSettingsActivity(AgentConnection agent) : TaskActivity<string, ImapSettings>
{
    /// <inheritdoc />
    public override Task<ImapSettings> RunAsync(TaskActivityContext context, string input) =>
        agent.Client().GetImapSettingsAsync(input, CancellationToken.None);
}
