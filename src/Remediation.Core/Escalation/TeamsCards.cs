using System.Globalization;
using System.Text.Json.Nodes;
using Remediation.Runs;

namespace Remediation.Escalation;

/// <summary>
/// Adaptive Cards (schema 1.5) for a Microsoft Teams Workflows webhook ("When a Teams webhook request is received",
/// then "Post card in a chat or channel"): an approval request and an escalation, each with the run's summary, its
/// evidence and deep links into the console. The card approves nothing itself: a decision needs a signed-in approver
/// and the console's anti-forgery token, so "Approve in the console" opens the run there.
/// </summary>
public static class TeamsCards
{
    /// <summary>The Adaptive Card schema version the cards declare (Teams supports up to 1.5).</summary>
    public const string Version = "1.5";

    /// <summary>The card asking for an approval: what, on which server, until when, and the evidence so far.</summary>
    public static JsonObject ApprovalRequest(RunRecord run, string action, int step, int approvalsNeeded, DateTimeOffset until, Uri? console)
    {
        ArgumentNullException.ThrowIfNull(run);
        var facts = new JsonArray
        {
            Fact("Server", run.Server),
            Fact("Monitor", run.Monitor ?? run.HealthSet),
            Fact("Action", action),
            Fact("Approvers needed", approvalsNeeded.ToString(CultureInfo.InvariantCulture)),
            Fact("Times out", until.ToString("u", CultureInfo.InvariantCulture)),
            Fact("Run", run.RunId),
        };
        return Message(Card(
            $"Approval needed: {action} on {run.Server}",
            "Warning",
            facts,
            Evidence(run),
            Link("Approve or reject in the console", console, run.RunId, step)));
    }

    /// <summary>The card of a run automation could not finish: outcome, reason, the timeline's last steps.</summary>
    public static JsonObject Escalated(RunRecord run, bool dryRun, Uri? console)
    {
        ArgumentNullException.ThrowIfNull(run);
        var facts = new JsonArray
        {
            Fact("Server", run.Server),
            Fact("Monitor", run.Monitor ?? run.HealthSet),
            Fact("Outcome", run.Outcome.ToString()),
            Fact("Started", run.StartedAt.ToString("u", CultureInfo.InvariantCulture)),
            Fact("Run", run.RunId),
        };
        return Message(Card(
            $"{(dryRun ? "[Dry run] " : "")}IMAP remediation needs a human: {run.Server} {run.Outcome}",
            "Attention",
            facts,
            Evidence(run),
            Link("Open the run in the console", console, run.RunId, null)));
    }

    /// <summary>Posts <paramref name="message"/> to the workflow; throws on a refusal (the caller records it).</summary>
    public static async Task PostAsync(HttpClient client, Uri workflow, JsonObject message)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var content = new StringContent(message.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(workflow, content);
        response.EnsureSuccessStatusCode();
    }

    static JsonObject Message(JsonObject card) => new()
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray
        {
            new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card },
        },
    };

    static JsonObject Card(string title, string colour, JsonArray facts, JsonArray evidence, JsonArray actions) => new()
    {
        ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
        ["type"] = "AdaptiveCard",
        ["version"] = Version,
        ["body"] = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = title, ["weight"] = "Bolder", ["size"] = "Medium", ["color"] = colour, ["wrap"] = true },
            new JsonObject { ["type"] = "FactSet", ["facts"] = facts },
            new JsonObject { ["type"] = "Container", ["items"] = evidence },
        },
        ["actions"] = actions,
    };

    // The reason and the last steps (at most 8: a card has a size limit), each with its answer.
    static JsonArray Evidence(RunRecord run)
    {
        var items = new JsonArray();
        if (!string.IsNullOrEmpty(run.Reason))
        {
            items.Add(Text(run.Reason, "Default"));
        }

        foreach (var step in run.Steps.OrderBy(s => s.Sequence).TakeLast(8))
        {
            items.Add(Text($"{step.Sequence}. {step.Name}: {step.Outcome}{(step.Answer is { Length: > 0 } a ? $" ({Trim(a)})" : "")}", "Small"));
        }

        if (items.Count == 0)
        {
            items.Add(Text("No step yet.", "Small"));
        }

        return items;
    }

    static JsonArray Link(string title, Uri? console, string runId, int? step) => console is null
        ? []
        : [new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = title, ["url"] = DeepLink(console, runId, step).AbsoluteUri }];

    /// <summary>The console's address of a run (<c>#run=</c>; the page scrolls to it and marks it).</summary>
    public static Uri DeepLink(Uri console, string runId, int? step)
    {
        ArgumentNullException.ThrowIfNull(console);
        var fragment = $"run={Uri.EscapeDataString(runId)}{(step is { } s ? string.Create(CultureInfo.InvariantCulture, $"&step={s}") : "")}";
        return new UriBuilder(console) { Fragment = fragment }.Uri;
    }

    static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = Defuse(value) };

    static string Defuse(string text) => text.Replace('[', '\uFF3B').Replace(']', '\uFF3D');

    // Evidence carries text from outside (alert descriptions, IMAP servers' errors): TextBlocks render markdown, so its
    // link syntax is defused ([label](url) would show a link the product never meant).
    static JsonObject Text(string text, string size) => new()
    {
        ["type"] = "TextBlock",
        ["text"] = Defuse(text),
        ["size"] = size,
        ["wrap"] = true,
    };

    static string Trim(string text) => text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 297), "...");
}
