using System.Diagnostics;
using System.Net.Http.Json;
using Remediation.Lab;

namespace Remediation.EndToEnd.Tests.Identity;

/// <summary>
/// A real OpenID Connect provider (npm oidc-provider, installed by eng/install-deps.sh into artifacts/tools) on
/// 127.0.0.1, started with node by its PID and stopped by it. See oidc-provider.mjs for its people and roles.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "remediation-console";
    public const string ClientSecret = "console-secret-for-tests-only";
    public const string ApiAudience = "api://remediation";
    readonly Process process;
    readonly HttpClient http;

    OidcProvider(Process process, Uri issuer)
    {
        this.process = process;
        Issuer = issuer;
        http = new HttpClient { BaseAddress = issuer };
    }

    public Uri Issuer { get; }

    /// <summary>Starts the provider; the console's sign-in comes back to <paramref name="hostAddress"/>/signin-oidc.</summary>
    public static async Task<OidcProvider> StartAsync(Uri hostAddress)
    {
        var modules = Path.Combine(RepositoryRoot(), "artifacts", "tools", "node_modules");
        var script = Path.Combine(AppContext.BaseDirectory, "Identity", "oidc-provider.mjs");
        var port = FreePort.Next();
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), modules, new Uri(hostAddress, "/signin-oidc").ToString() })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start node.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening ", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"oidc-provider exited: {errors}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var provider = new OidcProvider(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    /// <summary>The settings that make a host sign operators in with this provider.</summary>
    public Dictionary<string, string?> HostSettings() => new()
    {
        ["Remediation:Identity:Mode"] = "Oidc",
        ["Remediation:Identity:Authority"] = Issuer.ToString(),
        ["Remediation:Identity:ClientId"] = ClientId,
        ["Remediation:Identity:ClientSecret"] = ClientSecret,
        ["Remediation:Identity:Audience"] = ApiAudience,
        ["AllowedHosts"] = "127.0.0.1;localhost", // the console's names: any other Host is refused (400)
        ["Remediation:Identity:KeyRingPath"] = KeyRing,
    };

    /// <summary>A Data Protection key ring for the hosts of this provider's tests (removed with it).</summary>
    public string KeyRing { get; } = LabRoot.NewDirectory("keyring");

    /// <summary>A JWT signed with the provider's published key (or, <paramref name="foreignKey"/>, one it does not publish).</summary>
    public async Task<string> TokenAsync(string sub, string[] roles, string audience = ApiAudience, string? issuer = null, int expiresInSeconds = 600, bool foreignKey = false, string? nonce = null)
    {
        using var response = await http.PostAsJsonAsync("test/token", new { sub, roles, aud = audience, iss = issuer, expiresIn = expiresInSeconds, foreignKey, nonce });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Remediation.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Remediation.sln not found above the test assembly.");
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        try
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
        Directory.Delete(KeyRing, recursive: true);
    }
}
