//! `eksgen render` and `eksgen diff`: render the intent, then write the files or compare
//! them with the output folder.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::cli::{DiffArgs, DiffFormat, IntentArgs, RenderArgs};
use crate::error::{AppError, Exit, Outcome};
use crate::output;
use crate::pipeline::LoadedIntent;
use crate::plan::Plan;
use crate::report::diff as report_diff;

use super::load_intent;

/// Render the intent and compare with the output folder.
fn render_and_compare(
    intent: &IntentArgs,
    output: Option<&Path>,
    catalog: &Catalog,
) -> Result<(Plan, PathBuf, output::ChangeSet), AppError> {
    let loaded = load_intent(intent, catalog)?;
    if let Some(err) = loaded.findings_error() {
        return Err(err.into());
    }
    let LoadedIntent { plan, origin, .. } = loaded;
    let rendered = crate::render::render(&plan, &origin)?;
    let dir = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("out").join(&plan.cluster));
    let changes = output::plan_changes(&dir, &rendered)?;
    Ok((plan, dir, changes))
}

pub(super) fn render(args: &RenderArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let (plan, dir, changes) = render_and_compare(&args.intent, args.output.as_deref(), catalog)?;
    if args.dry_run {
        let mut stdout = report_diff::format_unified(&changes, false);
        if !changes.has_differences() {
            stdout.push_str(&format!("{} is up to date\n", dir.display()));
        }
        return Ok(Outcome::ok(stdout));
    }
    let previous = changes.previous_numbers().clone();
    let written = output::apply(&dir, &changes, &plan.numbers(), args.force)?;
    let mut stdout = String::new();
    for (word, paths) in [
        ("created", &written.created),
        ("updated", &written.updated),
        ("unchanged", &written.unchanged),
        ("removed", &written.removed),
    ] {
        for p in paths {
            stdout.push_str(&format!("{word:<9} {}\n", dir.join(p).display()));
        }
    }
    let files: Vec<String> = [&written.created, &written.updated, &written.unchanged]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    stdout.push('\n');
    stdout.push_str(&crate::report::text::render_summary(
        &plan,
        &dir.display().to_string(),
        &previous,
        &files,
        !args.color.is_never(),
    ));
    Ok(Outcome::ok(stdout))
}

pub(super) fn diff(args: &DiffArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let (plan, _, changes) = render_and_compare(&args.intent, args.output.as_deref(), catalog)?;
    let numbers = plan.numbers();
    let stdout = match args.format {
        // Styled unless colour is off; `main` writes stdout through anstream, which drops
        // the styles where the terminal, NO_COLOR or CLICOLOR say so.
        DiffFormat::Unified => report_diff::format_unified(&changes, !args.color.is_never()),
        DiffFormat::Markdown => {
            let mut md =
                report_diff::format_markdown(&changes, changes.previous_numbers(), &numbers);
            md.push_str(&report_diff::cost_markdown(
                &plan.cost,
                changes.previous_numbers(),
            ));
            md
        }
        DiffFormat::Json => {
            report_diff::format_json(&changes, changes.previous_numbers(), &numbers)
        }
    };
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        exit: Exit::found_if(changes.has_differences()),
    })
}
