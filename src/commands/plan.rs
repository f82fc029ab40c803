//! `eksgen plan` and `eksgen lint`: the resolved plan, or only its findings.

use crate::catalog::Catalog;
use crate::cli::{LintArgs, LintFormat, PlanArgs, PlanFormat};
use crate::error::{AppError, Exit, Outcome};
use crate::plan::Severity;
use crate::{report, to_json_pretty};

use super::load_intent;

pub(super) fn plan(args: &PlanArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let loaded = load_intent(&args.intent, catalog)?;
    let plan = &loaded.plan;
    let stdout = match args.format {
        // Styled unless colour is off; `main` writes through anstream, which drops the
        // styles where the terminal, NO_COLOR or CLICOLOR say so.
        PlanFormat::Text => report::text::plan_text(plan, !args.color.is_never()),
        PlanFormat::Json => to_json_pretty(plan),
        PlanFormat::Svg => report::svg::address_map(plan),
    };
    // A plan with error findings cannot be rendered: say so through the exit code, and
    // say where on stderr.
    let (exit, stderr) = match loaded.findings_error() {
        Some(err) => (Exit::Error, format!("error: {err}\n")),
        None => (Exit::Success, String::new()),
    };
    Ok(Outcome {
        stdout,
        stderr,
        exit,
    })
}

pub(super) fn lint(args: &LintArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let loaded = load_intent(&args.intent, catalog)?;
    let findings = &loaded.plan.findings;
    let locate = |path: &str| loaded.position(path);
    let stdout = match args.format {
        LintFormat::Text => {
            report::text::lint_text(findings, !args.color.is_never(), &loaded.origin, locate)
        }
        LintFormat::Json => report::findings_json(findings, locate),
        LintFormat::Sarif => report::findings_sarif(findings, &loaded.origin, locate),
    };
    let failing = findings.iter().any(|f| {
        f.severity == Severity::Error || (args.deny_warnings && f.severity == Severity::Warning)
    });
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        exit: Exit::found_if(failing),
    })
}
