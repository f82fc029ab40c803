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
    check_foreign(&plan, &dir, &rendered)?;
    let changes = output::plan_changes(&dir, &rendered)?;
    Ok((plan, dir, changes))
}

/// Refuse when foreign `.tf` files in the folder define what the generated ones define
/// (a second default AWS provider, `required_providers`, a name used twice).
fn check_foreign(plan: &Plan, dir: &Path, rendered: &output::Rendered) -> Result<(), AppError> {
    let report = output::foreign::scan(dir, rendered);
    if report.clashes.is_empty() {
        return Ok(());
    }
    let clashes = report
        .clashes
        .iter()
        .map(|c| {
            format!(
                "  {}:{}: {} is also defined in the generated {}",
                dir.join(&c.file).display(),
                c.line,
                c.what,
                c.clashes_with.as_deref().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let hint = if plan.terraform_layout == "module" {
        "move your own files out of the module folder (call the module from your root, see examples/root/main.tf), or rename the clashing definitions"
    } else {
        "remove or rename the clashing definitions (an extra AWS provider needs an `alias`), or set `spec.terraform.layout: module` and call the generated module from your own root module"
    };
    Err(AppError::ForeignTerraform {
        dir: dir.to_path_buf(),
        clashes,
        hint: hint.to_string(),
    })
}

/// Notes for foreign definitions that do not clash but are worth knowing (backends).
fn foreign_notes(dir: &Path, rendered: &output::Rendered) -> String {
    output::foreign::scan(dir, rendered)
        .notes
        .iter()
        .map(|n| {
            format!(
                "note: {}:{}: {} is kept; the generated files declare no backend\n",
                dir.join(&n.file).display(),
                n.line,
                n.what
            )
        })
        .collect()
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
    let notes = foreign_notes(&dir, &changes.rendered());
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
    Ok(Outcome {
        stdout,
        stderr: notes,
        exit: Exit::Success,
    })
}

pub(super) fn diff(args: &DiffArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let (plan, _, changes) = render_and_compare(&args.intent, args.output.as_deref(), catalog)?;
    let numbers = plan.numbers();
    let stdout = match args.format {
        // Styled unless colour is off; `main` writes stdout through anstream, which drops
        // the styles where the terminal, NO_COLOR or CLICOLOR say so.
        DiffFormat::Unified => report_diff::format_unified(&changes, !args.color.is_never()),
        DiffFormat::Markdown => {
            report_diff::format_markdown(&changes, changes.previous_numbers(), &numbers)
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
