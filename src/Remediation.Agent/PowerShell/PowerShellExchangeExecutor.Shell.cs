using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Remediation.Agent.Operations;
using PS = System.Management.Automation.PowerShell;

namespace Remediation.Agent.PowerShell;

/// <summary>
/// The executor's PowerShell plumbing: one runspace per server, used one command (or pipeline) at a time, opened
/// with the configured modules and, on Exchange, the remote session's allow-listed cmdlets only; every parameter
/// added with AddParameter, never as script text.
/// </summary>
public sealed partial class PowerShellExchangeExecutor
{
    sealed class ServerShell : IDisposable
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Runspace? Runspace { get; set; }

        public void Dispose()
        {
            Runspace?.Dispose();
            Gate.Dispose();
        }
    }

    /// <summary>One command of a pipeline, its parameters passed as parameters (never script text).</summary>
    sealed record Command(string Name, params (string Name, object Value)[] Parameters);

    Task<IReadOnlyList<PSObject>> InvokeAsync(string cmdlet, string server, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        InvokeAsync(server, cancellationToken, new Command(cmdlet, parameters));

    async Task<IReadOnlyList<PSObject>> InvokeAsync(string server, CancellationToken cancellationToken, params Command[] pipeline)
    {
        var cmdlet = pipeline[^1].Name;
        var serverShell = shells.GetOrAdd(server, _ => new ServerShell());
        await serverShell.Gate.WaitAsync(cancellationToken);
        try
        {
            if (serverShell.Runspace is not { RunspaceStateInfo.State: RunspaceState.Opened })
            {
                serverShell.Runspace?.Dispose();
                serverShell.Runspace = null;
                serverShell.Runspace = await OpenAsync(cancellationToken);
            }

            using var shell = PS.Create(serverShell.Runspace);
            foreach (var command in pipeline)
            {
                shell.AddCommand(command.Name);
                foreach (var (name, value) in command.Parameters)
                {
                    shell.AddParameter(name, value);
                }
            }

            await using var stop = cancellationToken.Register(() => shell.BeginStop(null, null));
            var output = await shell.InvokeAsync();
            if (shell.HadErrors || shell.Streams.Error.Count > 0)
            {
                throw new ExchangeOperationException(cmdlet, shell.Streams.Error.FirstOrDefault()?.ToString() ?? "failed without an error record.");
            }

            return [.. output];
        }
        catch (RuntimeException ex)
        {
            throw new ExchangeOperationException(cmdlet, ex.Message);
        }
        finally
        {
            serverShell.Gate.Release();
        }
    }

    async Task<Runspace> OpenAsync(CancellationToken cancellationToken)
    {
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.RemoteSigned;
        }

        foreach (var module in options.ModulePaths)
        {
            state.ImportPSModule(module);
        }

        var opened = RunspaceFactory.CreateRunspace(state);
        opened.Open();
        if (options.ConnectionUri is { } uri)
        {
            using var shell = PS.Create(opened);
            shell.AddCommand("New-PSSession").AddParameter("ConfigurationName", "Microsoft.Exchange").AddParameter("ConnectionUri", uri).AddParameter("Authentication", options.Authentication);
            var session = (await shell.InvokeAsync()).FirstOrDefault() ?? throw new ExchangeOperationException("New-PSSession", shell.Streams.Error.FirstOrDefault()?.ToString() ?? "no session.");
            shell.Commands.Clear();
            shell.AddCommand("Import-PSSession").AddParameter("Session", session).AddParameter("CommandName", ExchangeCmdlets).AddParameter("AllowClobber", true);
            await shell.InvokeAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return opened;
    }

    static PSObject? First(IReadOnlyList<PSObject> output) => output.Count > 0 ? output[0] : null;

    static string Text(PSObject? value, string property) => value?.Properties[property]?.Value?.ToString() ?? "";
}
