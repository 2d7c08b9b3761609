using System.Text.Json.Nodes;
using Remediation.Escalation;
using Remediation.Runs;

namespace Remediation.Core.Tests.Escalation;

/// <summary>
/// The cards hold to the Adaptive Card schema version they declare (1.5): every element and action is a type that
/// version defines, with only properties it defines for that type and the required ones present; text is never
/// markup the card would run, and the evidence stays within Teams' size limit however long the run.
/// </summary>
public class TeamsCardsTests
{
    // From the Adaptive Card 1.5 schema (adaptivecards.io/schemas/1.5.0): the types these cards use and their properties.
    static readonly Dictionary<string, (string[] Required, string[] Allowed)> Schema15 = new()
    {
        ["AdaptiveCard"] = (["type", "version"], ["$schema", "type", "version", "body", "actions", "fallbackText", "lang", "speak", "msteams"]),
        ["TextBlock"] = (["type", "text"], ["type", "text", "color", "fontType", "horizontalAlignment", "isSubtle", "maxLines", "size", "weight", "wrap", "style", "id", "isVisible", "separator", "spacing", "height"]),
        ["FactSet"] = (["type", "facts"], ["type", "facts", "id", "isVisible", "separator", "spacing", "height"]),
        ["Container"] = (["type", "items"], ["type", "items", "style", "verticalContentAlignment", "bleed", "minHeight", "rtl", "id", "isVisible", "separator", "spacing", "height", "selectAction", "backgroundImage"]),
        ["Action.OpenUrl"] = (["type", "url"], ["type", "url", "title", "iconUrl", "id", "style", "fallback", "tooltip", "isEnabled", "mode"]),
    };

    static readonly string[] Colours = ["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"];
    static readonly string[] Sizes = ["Default", "Small", "Medium", "Large", "ExtraLarge"];

    static RunRecord Run(int steps) => new(
        "mbx1-20261128T031200000Z", "imap-recovery-mbx1", "MBX1", "IMAP.Protocol", "ImapDeepTestMonitor",
        new DateTimeOffset(2026, 11, 28, 3, 12, 0, TimeSpan.Zero), null, RunOutcome.Escalated, "Still failing <b>after</b> a restart. " + new string('x', 2000),
        [.. Enumerable.Range(1, steps).Select(i => new RunStep(i, $"Step {i}", "op", new Dictionary<string, string>(), default, default, StepOutcome.Failed, new string('y', 1000)))],
        []);

    [Fact]
    public void Both_cards_use_only_what_adaptive_card_1_5_defines()
    {
        var console = new Uri("https://console.contoso.test/api/dashboard");
        foreach (var message in new[] { TeamsCards.ApprovalRequest(Run(3), "ServerRestart", 4, 2, new DateTimeOffset(2026, 11, 28, 4, 12, 0, TimeSpan.Zero), console), TeamsCards.Escalated(Run(30), dryRun: true, console) })
        {
            var attachment = message["attachments"]![0]!;
            Assert.Equal("message", (string?)message["type"]);
            Assert.Equal("application/vnd.microsoft.card.adaptive", (string?)attachment["contentType"]);
            var card = attachment["content"]!.AsObject();
            Assert.Equal(TeamsCards.Version, (string?)card["version"]);
            var problems = new List<string>();
            Check(card, problems);
            Assert.Empty(problems);
            Assert.True(message.ToJsonString().Length < 28_000, "Teams refuses cards over 28 KB");
        }
    }

    [Fact]
    public void Markdown_links_in_the_evidence_are_defused()
    {
        var run = Run(1) with { Reason = "IMAP said: NO [click here](https://evil.example/login) to fix" };

        var text = TeamsCards.Escalated(run, dryRun: false, console: null).ToJsonString();

        Assert.DoesNotContain("](", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[click", text, StringComparison.Ordinal);
        Assert.Contains("click here", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_deep_link_opens_the_run_and_its_approval_step_in_the_console()
    {
        var link = TeamsCards.DeepLink(new Uri("https://console.contoso.test/api/dashboard"), "mbx1-2026 11", 4);

        Assert.Equal("https://console.contoso.test/api/dashboard#run=mbx1-2026%2011&step=4", link.AbsoluteUri);
    }

    static void Check(JsonObject node, List<string> problems)
    {
        var type = (string?)node["type"];
        if (type is null || !Schema15.TryGetValue(type, out var rule))
        {
            problems.Add($"type '{type}' is not one Adaptive Card 1.5 defines (or not one these cards should use)");
            return;
        }

        problems.AddRange(rule.Required.Where(p => node[p] is null).Select(p => $"{type}: required '{p}' is missing"));
        problems.AddRange(node.Select(p => p.Key).Where(p => !rule.Allowed.Contains(p)).Select(p => $"{type}: '{p}' is not a 1.5 property"));
        if (type == "TextBlock")
        {
            if ((string?)node["color"] is { } colour && !Colours.Contains(colour))
            {
                problems.Add($"TextBlock color '{colour}'");
            }

            if ((string?)node["size"] is { } size && !Sizes.Contains(size))
            {
                problems.Add($"TextBlock size '{size}'");
            }
        }

        if (type == "FactSet")
        {
            problems.AddRange(node["facts"]!.AsArray().Where(f => f!["title"] is null || f["value"] is null).Select(_ => "FactSet: a fact needs title and value"));
        }

        foreach (var child in new[] { "body", "items", "actions" }.SelectMany(k => node[k]?.AsArray() ?? []))
        {
            Check(child!.AsObject(), problems);
        }
    }
}
