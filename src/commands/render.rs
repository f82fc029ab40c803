//! `eksgen render` and `eksgen diff`: render the intent, then write the files or compare
//! them with the output folder, with the impact of every change (what AWS and Terraform
//! would do). `render` also records the subnet layout, the pinned versions and each node
//! group's AMI release and path in the intent's lock file.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::cli::{DiffArgs, DiffFormat, FailOn, IntentArgs, RenderArgs};
use crate::error::{AppError, Exit, Outcome};
use crate::lock::Lock;
use crate::output;
use crate::pipeline::LoadedIntent;
use crate::plan::Plan;
use crate::report::diff as report_diff;
use crate::report::diff::impact::{self, Impact};

use super::{LockFile, Redo, header_name, load_intent_locked};

/// A render compared with the output folder.
pub(super) struct Compared {
    plan: Plan,
    dir: PathBuf,
    pub(super) changes: output::ChangeSet,
    lock: Option<LockFile>,
    /// This render's plan numbers and facts, as the manifest records them.
    numbers: output::Numbers,
    fields: output::Numbers,
    /// What the changes do, compared with the last render's facts (empty on a first render).
    pub(super) impacts: Vec<Impact>,
}

/// Render the intent and compare with the output folder.
fn render_and_compare(
    intent: &IntentArgs,
    output: Option<&Path>,
    catalog: &Catalog,
    redo: Redo,
) -> Result<Compared, AppError> {
    let (loaded, lock) = load_intent_locked(intent, catalog, redo)?;
    compare(loaded, lock, intent, output)
}

/// Render a loaded intent and compare with the output folder.
pub(super) fn compare(
    loaded: LoadedIntent,
    lock: Option<LockFile>,
    intent: &IntentArgs,
    output: Option<&Path>,
) -> Result<Compared, AppError> {
    if let Some(err) = loaded.findings_error() {
        return Err(err.into());
    }
    let LoadedIntent { plan, .. } = loaded;
    let rendered = crate::render::render(&plan, &header_name(intent))?;
    let dir = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("out").join(&plan.cluster));
    let changes = output::plan_changes(&dir, &rendered)?;
    let numbers = plan.numbers();
    let fields = impact::fields(&plan);
    let impacts = match &changes.previous {
        Some(_) => {
            let mut now = numbers.clone();
            now.extend(fields.clone());
            impact::classify(&changes.previous_facts(), &now)
        }
        None => Vec::new(),
    };
    Ok(Compared {
        plan,
        dir,
        changes,
        lock,
        numbers,
        fields,
        impacts,
    })
}

/// Exit 3 when `fail_on` is given and a change reaches it.
fn disruptive(impacts: &[Impact], fail_on: Option<FailOn>) -> bool {
    let Some(fail_on) = fail_on else { return false };
    impacts.iter().any(|i| match fail_on {
        FailOn::Replace => i.kind.is_replacement(),
        FailOn::Roll => i.kind.replaces_nodes(),
    })
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
    let hint = if plan.terraform_layout == crate::plan::TerraformLayout::Module {
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
    let redo = Redo {
        relayout: args.relayout,
        change_ami_path: args.change_ami_path,
    };
    let c = render_and_compare(&args.intent, args.output.as_deref(), catalog, redo)?;
    if args.dry_run {
        let mut stdout = report_diff::format_unified(&c.changes, false);
        stdout.push_str(&report_diff::format_impact_text(&c.impacts));
        stdout.push_str(&report_diff::format_notes(&c.changes));
        if !c.changes.has_differences() {
            stdout.push_str(&format!("{} is up to date\n", c.dir.display()));
        }
        let mut outcome = Outcome::ok(stdout);
        if disruptive(&c.impacts, args.fail_on) {
            outcome.exit = Exit::Disruptive;
        }
        return Ok(outcome);
    }
    check_foreign(&c.plan, &c.dir, &c.changes.rendered())?;
    let notes = foreign_notes(&c.dir, &c.changes.rendered());
    let previous = c.changes.previous_numbers().clone();
    let written = output::apply_recording(&c.dir, &c.changes, &c.numbers, &c.fields, args.force)?;
    let mut stdout = String::new();
    for (word, paths) in [
        ("created", &written.created),
        ("updated", &written.updated),
        ("unchanged", &written.unchanged),
        ("removed", &written.removed),
    ] {
        for p in paths {
            stdout.push_str(&format!("{word:<9} {}\n", c.dir.join(p).display()));
        }
    }
    for p in &written.removed_temps {
        stdout.push_str(&format!(
            "removed   {} (temp file of a killed run)\n",
            c.dir.join(p).display()
        ));
    }
    stdout.push_str(&report_diff::format_notes(&c.changes));
    if let Some(file) = &c.lock {
        let next = file
            .lock
            .clone()
            .unwrap_or_else(|| Lock::new(&c.plan.cluster))
            .with_layout_of(&c.plan)
            .with_versions_of(&c.plan);
        let word = match &file.lock {
            None => "created",
            Some(old) if *old != next => "updated",
            Some(_) => "unchanged",
        };
        if word != "unchanged" {
            output::write_file(
                &file.path,
                next.to_json().as_bytes(),
                output::Existing::Replace,
            )
            .map_err(|source| AppError::Write {
                path: file.path.clone(),
                source,
            })?;
        }
        stdout.push_str(&format!("{word:<9} {} (lock)\n", file.path.display()));
    }
    let files: Vec<String> = [&written.created, &written.updated, &written.unchanged]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    stdout.push('\n');
    stdout.push_str(&crate::report::text::render_summary(
        &c.plan,
        &c.dir.display().to_string(),
        &previous,
        &files,
        !args.color.is_never(),
    ));
    let mut outcome = Outcome::ok(stdout);
    outcome.stderr = notes + &report_diff::format_impact_text(&c.impacts);
    Ok(outcome)
}

pub(super) fn diff(args: &DiffArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let redo = Redo {
        relayout: args.relayout,
        change_ami_path: args.change_ami_path,
    };
    let c = render_and_compare(&args.intent, args.output.as_deref(), catalog, redo)?;
    let previous = c.changes.previous_numbers();
    let stdout = match args.format {
        // Styled unless colour is off; `main` writes stdout through anstream, which drops
        // the styles where the terminal, NO_COLOR or CLICOLOR say so.
        DiffFormat::Unified => {
            let mut text = report_diff::format_unified(&c.changes, !args.color.is_never());
            text.push_str(&report_diff::format_impact_text(&c.impacts));
            text.push_str(&report_diff::format_notes(&c.changes));
            text
        }
        DiffFormat::Markdown => {
            let mut md = report_diff::format_markdown(&c.changes, previous, &c.numbers, &c.impacts);
            md.push_str(&report_diff::cost_markdown(&c.plan.cost, previous));
            md
        }
        DiffFormat::Json => report_diff::format_json(&c.changes, previous, &c.numbers, &c.impacts),
    };
    let exit = if disruptive(&c.impacts, args.fail_on) {
        Exit::Disruptive
    } else {
        Exit::found_if(c.changes.has_differences())
    };
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        exit,
    })
}
