//! Showing a [`ChangeSet`]: unified diffs for the terminal, a Markdown PR comment and
//! JSON for scripts.
//!
//! Pure text formatting: no I/O, no decisions about exit codes. Colour (anstyle styles)
//! only when the caller asks; `main` writes stdout through anstream, which drops the
//! styles when stdout is not a terminal or NO_COLOR / CLICOLOR say so.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;
use similar::{Algorithm, ChangeTag, TextDiff};

use anstyle::{AnsiColor, Style};

pub mod impact;

use impact::Impact;

use crate::output::{ChangeKind, ChangeSet, ConflictReason, FileChange, Numbers, Origin, Summary};

/// Lines of unchanged context around each hunk.
const CONTEXT_LINES: usize = 3;
/// Longest diff shown for one file in Markdown.
const MARKDOWN_MAX_DIFF_LINES: usize = 200;
/// Budget for all diff blocks of one Markdown comment (GitHub caps comments at 65536).
const MARKDOWN_MAX_DIFF_CHARS: usize = 50_000;

const DELETED: Style = AnsiColor::Red.on_default();
const INSERTED: Style = AnsiColor::Green.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const HEADER: Style = Style::new().bold();

/// The unified diff of one changed file and its line counts.
struct FileDiff {
    text: String,
    added: usize,
    removed: usize,
}

/// Unified diff of one file (`--- a/path` / `+++ b/path`, `/dev/null` for a side that
/// does not exist), Patience algorithm, three lines of context.
fn file_diff(change: &FileChange, color: bool) -> FileDiff {
    let old = change.old.as_deref().unwrap_or("");
    let new = change.new.as_deref().unwrap_or("");
    let label = |side: &str, present: bool| match present {
        true => format!("{side}/{}", change.path),
        false => "/dev/null".to_string(),
    };
    let paint = |style: Style, line: &str| match color {
        true => format!("{style}{line}{style:#}\n"),
        false => format!("{line}\n"),
    };
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(old, new);
    let mut out = FileDiff {
        text: String::new(),
        added: 0,
        removed: 0,
    };
    let a = label("a", change.kind != ChangeKind::Create);
    let b = label("b", change.kind != ChangeKind::Remove);
    out.text.push_str(&paint(HEADER, &format!("--- {a}")));
    out.text.push_str(&paint(HEADER, &format!("+++ {b}")));
    let mut unified = diff.unified_diff();
    unified.context_radius(CONTEXT_LINES);
    for hunk in unified.iter_hunks() {
        out.text.push_str(&paint(HUNK, &hunk.header().to_string()));
        for line in hunk.iter_changes() {
            let (sign, style) = match line.tag() {
                ChangeTag::Equal => (' ', None),
                ChangeTag::Delete => {
                    out.removed += 1;
                    ('-', Some(DELETED))
                }
                ChangeTag::Insert => {
                    out.added += 1;
                    ('+', Some(INSERTED))
                }
            };
            let value = line.to_string_lossy();
            let text = format!("{sign}{}", value.strip_suffix('\n').unwrap_or(&value));
            out.text.push_str(&match style {
                None => format!("{text}\n"),
                Some(style) => paint(style, &text),
            });
            if line.missing_newline() {
                out.text.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

fn changed(changes: &ChangeSet) -> impl Iterator<Item = &FileChange> {
    changes
        .files
        .iter()
        .filter(|f| f.kind != ChangeKind::Unchanged)
}

/// Unified diffs of every changed file, in path order; empty when nothing differs.
/// Removed files show as full deletions. ANSI colour (bold headers, cyan hunk headers,
/// red deletions, green insertions) only when `color`.
pub fn format_unified(changes: &ChangeSet, color: bool) -> String {
    changed(changes).map(|f| file_diff(f, color).text).collect()
}

/// The impact summary that ends the unified diff: one line per affected thing, most
/// disruptive first; empty when nothing has an impact.
pub fn format_impact_text(impacts: &[Impact]) -> String {
    if impacts.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nImpact (what terraform apply would do):\n");
    let width = impacts
        .iter()
        .map(|i| i.kind.label().len())
        .max()
        .unwrap_or(0);
    for i in impacts {
        let _ = writeln!(
            out,
            "  {:<width$}  {}: {}",
            i.kind.label(),
            i.subject,
            changes_text(i)
        );
        let _ = writeln!(out, "  {:<width$}  ({})", "", i.note);
    }
    out
}

/// `instanceTypes m5.large → m6i.large; scaling 1/1/2 → 1/1/4`.
fn changes_text(impact: &Impact) -> String {
    impact
        .changes
        .iter()
        .map(|c| {
            let field = c.field.rsplit('.').next().unwrap_or(&c.field);
            let field = if c.field.starts_with("network.cni.env.")
                || c.field.starts_with("cluster.")
                || c.field.starts_with("network.") && !c.field.starts_with("network.subnets.")
            {
                c.field.as_str()
            } else {
                field
            };
            format!(
                "{field} {} → {}",
                c.before.as_deref().unwrap_or("(none)"),
                c.after.as_deref().unwrap_or("(none)")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the output stage noticed besides the changes (stale temp files, foreign
/// Terraform that clashes with the generated files, a finished interrupted render).
pub fn format_notes(changes: &ChangeSet) -> String {
    changes
        .notes
        .iter()
        .map(|n| format!("note: {n}\n"))
        .collect()
}

/// One plan number that differs between the last render and this one.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NumberChange<'a> {
    key: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

fn number_changes<'a>(old: &'a Numbers, new: &'a Numbers) -> Vec<NumberChange<'a>> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .map(|key| NumberChange {
            key,
            before: old.get(key).map(String::as_str),
            after: new.get(key).map(String::as_str),
        })
        .filter(|c| c.before != c.after)
        .collect()
}

fn action(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Create => "create",
        ChangeKind::Update => "update",
        ChangeKind::Unchanged => "unchanged",
        ChangeKind::Remove => "remove",
    }
}

/// A Markdown code span, or plain text when the value holds a backtick; `|` escaped for
/// table cells.
fn code(value: &str) -> String {
    let escaped = value.replace('|', "\\|");
    match value.contains('`') {
        true => escaped,
        false => format!("`{escaped}`"),
    }
}

/// A code fence longer than any backtick run in `text`.
fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

/// A Markdown PR comment: heading, summary table (path | change | lines), warnings about
/// files that need `--force`, changed plan numbers (`old_numbers` usually
/// [`ChangeSet::previous_numbers`]), then a ```` ```diff ```` block per changed file.
/// Long diffs are cut (and say so) to stay within a comment's size limit.
pub fn format_markdown(
    changes: &ChangeSet,
    old_numbers: &Numbers,
    new_numbers: &Numbers,
    impacts: &[Impact],
) -> String {
    let mut md = String::new();
    let s = changes.summary();
    let numbers = number_changes(old_numbers, new_numbers);
    if !changes.has_differences() {
        md.push_str("### eksgen: no changes to the generated files\n\n");
        let _ = writeln!(md, "All {} generated files match the intent.", s.unchanged);
    } else {
        md.push_str("### eksgen: generated files would change\n\n");
        let _ = writeln!(
            md,
            "{} to create, {} to update, {} to remove, {} unchanged.",
            s.create, s.update, s.remove, s.unchanged
        );
    }

    if !impacts.is_empty() {
        md.push_str("\n#### Impact\n\n| Impact | What | Change | Why |\n|---|---|---|---|\n");
        for i in impacts {
            let _ = writeln!(
                md,
                "| **{}** | {} | {} | {} |",
                i.kind.label(),
                i.subject.replace('|', "\\|"),
                code(&changes_text(i)),
                i.note.replace('|', "\\|")
            );
        }
    }
    for n in &changes.notes {
        let _ = write!(md, "\n> [!NOTE]\n> {}\n", n.replace('\n', " "));
    }

    let diffs: Vec<(&FileChange, FileDiff)> =
        changed(changes).map(|f| (f, file_diff(f, false))).collect();
    if !diffs.is_empty() {
        md.push_str("\n| File | Change | Lines |\n|---|---|---|\n");
        for (f, d) in &diffs {
            let _ = writeln!(
                md,
                "| {} | {} | +{} / -{} |",
                code(&f.path),
                action(f.kind),
                d.added,
                d.removed
            );
        }
    }

    let conflicts: Vec<(&FileChange, ConflictReason)> = changes
        .files
        .iter()
        .filter_map(|f| Some((f, f.conflict()?)))
        .collect();
    if !conflicts.is_empty() {
        md.push_str(
            "\n> [!WARNING]\n> `eksgen render` will refuse to touch these files without `--force`:\n",
        );
        for (f, reason) in conflicts {
            let why = match reason {
                ConflictReason::HandEdited => "edited by hand since the last render",
                ConflictReason::HandEditedRemoved => {
                    "edited by hand since the last render, and no longer generated"
                }
                ConflictReason::Foreign => "not generated by eksgen",
            };
            let _ = writeln!(md, "> - {}: {why}", code(&f.path));
        }
    }

    if !numbers.is_empty() {
        md.push_str("\n#### Plan numbers\n\n| Key | Before | After |\n|---|---|---|\n");
        for n in &numbers {
            let cell = |v: Option<&str>| v.map_or("—".to_string(), code);
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                code(n.key),
                cell(n.before),
                cell(n.after)
            );
        }
    }

    let mut budget = MARKDOWN_MAX_DIFF_CHARS;
    for (f, d) in &diffs {
        let _ = write!(md, "\n#### {}\n\n", code(&f.path));
        let total = d.text.lines().count();
        let mut shown = String::new();
        let mut lines = 0;
        for line in d.text.lines().take(MARKDOWN_MAX_DIFF_LINES) {
            if shown.len() + line.len() + 1 > budget {
                break;
            }
            shown.push_str(line);
            shown.push('\n');
            lines += 1;
        }
        budget -= shown.len();
        if lines == 0 {
            md.push_str("_Diff left out to keep this comment short; run `eksgen diff` locally._\n");
            continue;
        }
        let fence = fence_for(&shown);
        let _ = write!(md, "{fence}diff\n{shown}{fence}\n");
        if lines < total {
            let _ = writeln!(
                md,
                "\n_Diff cut after {lines} of {total} lines; run `eksgen diff` locally for the rest._"
            );
        }
    }
    md
}

/// The cluster's monthly cost for a PR comment: one row per line at desired and at max, the
/// total with its value at the last render, the price source, and what the total leaves out.
pub fn cost_markdown(cost: &crate::plan::CostPlan, old_numbers: &Numbers) -> String {
    let mut md = String::new();
    let reference = if cost.region_priced {
        String::new()
    } else {
        format!(", a reference for {}", cost.region)
    };
    let _ = write!(
        md,
        "\n#### Monthly cost ({}, {} list prices of {}{reference})\n\n| Item | At desired | At max | Price | Source |\n|---|---:|---:|---|---|\n",
        cost.currency, cost.prices_region, cost.prices_date
    );
    for i in &cost.items {
        let _ = writeln!(
            md,
            "| {} | {:.2} | {:.2} | ${}/{} | {} |",
            code(&i.name),
            i.monthly_usd.desired,
            i.monthly_usd.max,
            i.unit_usd,
            i.unit,
            i.source
        );
    }
    let before = |key: &str, now: f64| match old_numbers.get(key) {
        Some(v) if *v != format!("{now:.2}") => format!(" (was {v})"),
        _ => String::new(),
    };
    let t = cost.total_monthly_usd;
    let _ = writeln!(
        md,
        "| **total** | **{:.2}**{} | **{:.2}**{} | | |",
        t.desired,
        before("cost.totalMonthlyUsdAtDesired", t.desired),
        t.max,
        before("cost.totalMonthlyUsdAtMax", t.max)
    );
    if !cost.notes.is_empty() {
        md.push('\n');
        for n in &cost.notes {
            let _ = writeln!(md, "- {n}");
        }
    }
    md
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDiff<'a> {
    has_differences: bool,
    summary: Summary,
    files: Vec<JsonFile<'a>>,
    number_changes: Vec<NumberChange<'a>>,
    /// What applying the change would do, most disruptive first.
    impact: &'a [Impact],
    /// The most disruptive impact (`null` when none).
    worst_impact: Option<impact::ImpactKind>,
    notes: &'a [String],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFile<'a> {
    path: &'a str,
    change: ChangeKind,
    origin: Origin,
    /// Why `render` would need `--force` for this file, if it would.
    conflict: Option<ConflictReason>,
    lines_added: usize,
    lines_removed: usize,
    /// Unified diff without colour; `null` when unchanged.
    diff: Option<String>,
}

/// JSON for scripts: `hasDifferences`, `summary`, every file (path, change, origin,
/// conflict, line counts, unified diff) and the changed plan numbers. Field names are
/// stable and camelCase.
pub fn format_json(
    changes: &ChangeSet,
    old_numbers: &Numbers,
    new_numbers: &Numbers,
    impacts: &[Impact],
) -> String {
    let files = changes
        .files
        .iter()
        .map(|f| {
            let d = (f.kind != ChangeKind::Unchanged).then(|| file_diff(f, false));
            JsonFile {
                path: &f.path,
                change: f.kind,
                origin: f.origin,
                conflict: f.conflict(),
                lines_added: d.as_ref().map_or(0, |d| d.added),
                lines_removed: d.as_ref().map_or(0, |d| d.removed),
                diff: d.map(|d| d.text),
            }
        })
        .collect();
    let report = JsonDiff {
        has_differences: changes.has_differences(),
        summary: changes.summary(),
        files,
        number_changes: number_changes(old_numbers, new_numbers),
        impact: impacts,
        worst_impact: impact::worst(impacts),
        notes: &changes.notes,
    };
    crate::to_json_pretty(&report)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn change(
        path: &str,
        kind: ChangeKind,
        origin: Origin,
        old: Option<&str>,
        new: Option<&str>,
    ) -> FileChange {
        FileChange {
            path: path.to_string(),
            kind,
            origin,
            old: old.map(str::to_string),
            new: new.map(str::to_string),
            old_sha: None,
            permissions: None,
        }
    }

    fn example() -> ChangeSet {
        let old_main: String = (1..=10).map(|i| format!("line {i}\n")).collect();
        let new_main = old_main.replace("line 5\n", "line five\n");
        ChangeSet {
            dir: PathBuf::from("out"),
            files: vec![
                change(
                    "karpenter/gpu.yaml",
                    ChangeKind::Create,
                    Origin::Absent,
                    None,
                    Some("kind: NodePool\n"),
                ),
                change(
                    "main.tf",
                    ChangeKind::Update,
                    Origin::HandEdited,
                    Some(&old_main),
                    Some(&new_main),
                ),
                change(
                    "old.tf",
                    ChangeKind::Remove,
                    Origin::Generated,
                    Some("x\ny\n"),
                    None,
                ),
                change(
                    "same.tf",
                    ChangeKind::Unchanged,
                    Origin::Generated,
                    Some("s\n"),
                    Some("s\n"),
                ),
            ],
            previous: None,
            notes: Vec::new(),
            stale_temps: Vec::new(),
            journal: None,
        }
    }

    fn nums(pairs: &[(&str, &str)]) -> Numbers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn unified_diff_headers_hunks_and_deletions() {
        let text = format_unified(&example(), false);
        assert!(!text.contains('\x1b'));
        assert!(
            text.contains(
                "--- /dev/null\n+++ b/karpenter/gpu.yaml\n@@ -0,0 +1 @@\n+kind: NodePool\n"
            ),
            "{text}"
        );
        let main = "--- a/main.tf\n+++ b/main.tf\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n";
        assert!(text.contains(main), "{text}");
        assert!(
            text.contains("--- a/old.tf\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n"),
            "{text}"
        );
        assert!(!text.contains("same.tf"));
        // Files come in path order.
        assert!(text.find("gpu.yaml").unwrap() < text.find("main.tf").unwrap());
    }

    #[test]
    fn unified_diff_colour_only_when_asked() {
        let text = format_unified(&example(), true);
        // The exact ANSI sequences eksgen has always written.
        assert!(text.contains("\x1b[31m-line 5\x1b[0m\n"), "{text}");
        assert!(text.contains("\x1b[32m+line five\x1b[0m\n"), "{text}");
        assert!(text.contains("\x1b[36m@@ -2,7 +2,7 @@\x1b[0m\n"), "{text}");
        assert!(text.contains("\x1b[1m--- a/"), "{text}");
        assert!(text.contains("\n line 4\n"), "context lines stay plain");
    }

    #[test]
    fn unified_diff_marks_missing_final_newline() {
        let mut changes = example();
        changes.files = vec![change(
            "a.tf",
            ChangeKind::Update,
            Origin::Generated,
            Some("a\n"),
            Some("a\nb"),
        )];
        let text = format_unified(&changes, false);
        assert!(
            text.ends_with("+b\n\\ No newline at end of file\n"),
            "{text}"
        );
    }

    #[test]
    fn no_differences_give_empty_unified_and_short_markdown() {
        let mut changes = example();
        changes.files.retain(|f| f.kind == ChangeKind::Unchanged);
        assert!(!changes.has_differences());
        assert_eq!(format_unified(&changes, true), "");
        let md = format_markdown(&changes, &Numbers::new(), &Numbers::new(), &[]);
        assert!(
            md.starts_with("### eksgen: no changes to the generated files\n"),
            "{md}"
        );
        assert!(!md.contains("```"), "{md}");
    }

    #[test]
    fn markdown_comment_has_summary_warnings_numbers_and_diffs() {
        let old = nums(&[
            ("nodeGroups.train.maxPods", "110"),
            ("gone", "1"),
            ("same", "2"),
        ]);
        let new = nums(&[
            ("nodeGroups.train.maxPods", "100"),
            ("same", "2"),
            ("added", "3"),
        ]);
        let md = format_markdown(&example(), &old, &new, &[]);
        for line in [
            "### eksgen: generated files would change",
            "1 to create, 1 to update, 1 to remove, 1 unchanged.",
            "| File | Change | Lines |",
            "| `karpenter/gpu.yaml` | create | +1 / -0 |",
            "| `main.tf` | update | +1 / -1 |",
            "| `old.tf` | remove | +0 / -2 |",
            "> [!WARNING]",
            "> - `main.tf`: edited by hand since the last render",
            "| `nodeGroups.train.maxPods` | `110` | `100` |",
            "| `gone` | `1` | — |",
            "| `added` | — | `3` |",
            "#### `main.tf`",
            "```diff",
            "+line five",
        ] {
            assert!(md.lines().any(|l| l == line), "missing {line:?} in\n{md}");
        }
        assert!(
            !md.contains("same"),
            "unchanged files and numbers are left out:\n{md}"
        );
        assert_eq!(md.matches("```diff").count(), 3);
    }

    #[test]
    fn markdown_cuts_long_diffs_and_fences_backticks() {
        let long: String = (0..500).map(|i| format!("l{i}\n")).collect();
        let mut changes = example();
        changes.files = vec![
            change(
                "big.tf",
                ChangeKind::Create,
                Origin::Absent,
                None,
                Some(&long),
            ),
            change(
                "doc.md",
                ChangeKind::Create,
                Origin::Absent,
                None,
                Some("```\ncode\n```\n"),
            ),
            change(
                "a|b.tf",
                ChangeKind::Create,
                Origin::Absent,
                None,
                Some("x\n"),
            ),
        ];
        let md = format_markdown(&changes, &Numbers::new(), &Numbers::new(), &[]);
        assert!(
            md.contains(
                "_Diff cut after 200 of 503 lines; run `eksgen diff` locally for the rest._"
            ),
            "{md}"
        );
        assert!(
            md.contains("````diff\n--- /dev/null\n+++ b/doc.md\n"),
            "{md}"
        );
        assert!(md.contains("| `a\\|b.tf` | create |"), "{md}");
    }

    #[test]
    fn markdown_stays_within_its_budget() {
        let wide: String = (0..200)
            .map(|i| format!("{i}{}\n", "x".repeat(400)))
            .collect();
        let mut changes = example();
        changes.files = (0..10)
            .map(|i| {
                change(
                    &format!("f{i}.tf"),
                    ChangeKind::Create,
                    Origin::Absent,
                    None,
                    Some(&wide),
                )
            })
            .collect();
        let md = format_markdown(&changes, &Numbers::new(), &Numbers::new(), &[]);
        assert!(md.len() < 60_000, "{}", md.len());
        assert!(md.contains("_Diff left out to keep this comment short"));
    }

    #[test]
    fn json_has_stable_camel_case_fields() {
        let old = nums(&[("k", "1")]);
        let new = nums(&[("k", "2")]);
        let json: serde_json::Value =
            serde_json::from_str(&format_json(&example(), &old, &new, &[])).unwrap();
        assert_eq!(json["hasDifferences"], true);
        assert_eq!(
            json["summary"],
            serde_json::json!({"create": 1, "update": 1, "unchanged": 1, "remove": 1})
        );
        let main = &json["files"][1];
        assert_eq!(main["path"], "main.tf");
        assert_eq!(main["change"], "update");
        assert_eq!(main["origin"], "handEdited");
        assert_eq!(main["conflict"], "handEdited");
        assert_eq!(main["linesAdded"], 1);
        assert_eq!(main["linesRemoved"], 1);
        assert!(
            main["diff"]
                .as_str()
                .unwrap()
                .starts_with("--- a/main.tf\n")
        );
        assert_eq!(json["files"][3]["diff"], serde_json::Value::Null);
        assert_eq!(
            json["numberChanges"],
            serde_json::json!([{"key": "k", "before": "1", "after": "2"}])
        );
    }
}
