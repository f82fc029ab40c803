//! `eksgen schema`, `eksgen completions` and `eksgen man`: eksgen describing itself to
//! editors, shells and `man`.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{AppError, Outcome};

/// `eksgen schema`.
pub(super) fn schema() -> Outcome {
    Outcome::ok(crate::intent::json_schema())
}

/// `eksgen completions SHELL`.
pub(super) fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "eksgen", &mut buf);
    Outcome::ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `eksgen man`: one page, the top-level command followed by a section per subcommand.
pub(super) fn man() -> Result<Outcome, AppError> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    let fail = AppError::ManPage;
    clap_mangen::Man::new(cmd.clone())
        .render(&mut out)
        .map_err(fail)?;
    let mut page = String::from_utf8_lossy(&out).replace(".SH EXTRA\n", ".SH EXAMPLES\n");
    // The SUBCOMMANDS list points at pages per command (`eksgen-plan(1)`); this page holds
    // them all, as sections below.
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        page = page.replace(
            &format!("eksgen\\-{}(1)\n", name.replace('-', "\\-")),
            &format!("\\fBeksgen {}\\fR (below)\n", name.replace('-', "\\-")),
        );
    }
    let mut stack: Vec<clap::Command> = cmd.get_subcommands().cloned().collect();
    stack.reverse();
    while let Some(sub) = stack.pop() {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
        let mut chunk = Vec::new();
        let man = clap_mangen::Man::new(sub.clone());
        man.render_description_section(&mut chunk).map_err(fail)?;
        man.render_synopsis_section(&mut chunk).map_err(fail)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut chunk).map_err(fail)?;
        }
        if sub.get_after_help().is_some() {
            man.render_extra_section(&mut chunk).map_err(fail)?;
        }
        // The subcommand's sections become subsections under one heading per command.
        page.push_str(&format!(".SH \"{}\"\n", name.to_uppercase()));
        for line in String::from_utf8_lossy(&chunk).lines() {
            if line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq") {
                continue; // defined once at the top of the page
            }
            match line.strip_prefix(".SH ") {
                Some("DESCRIPTION") => {}
                Some("EXTRA") => page.push_str(".SS Examples\n"),
                Some(heading) => {
                    page.push_str(&format!(".SS {}\n", title_case(heading.trim_matches('"'))))
                }
                None => {
                    page.push_str(line);
                    page.push('\n');
                }
            }
        }
        let mut children: Vec<clap::Command> = sub.get_subcommands().cloned().collect();
        children.reverse();
        stack.extend(children);
    }
    Ok(Outcome::ok(page))
}

fn title_case(heading: &str) -> String {
    let lower = heading.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
