//! `eksgen import eksctl FILE`: read a ClusterConfig, convert it (`crate::eksctl`), check
//! the result as an intent, then print it or write it.

use std::fs;
use std::io;

use crate::catalog::Catalog;
use crate::cli::{ImportArgs, ImportSource};
use crate::error::{AppError, Outcome};
use crate::output::{Existing, write_file};

use super::read_intent_text;

pub(super) fn import(args: &ImportArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let ImportSource::Eksctl(args) = &args.source;
    let text = read_intent_text(&args.file)?;
    let origin = args.file.display().to_string();
    let imported = crate::eksctl::import(&text, &origin)?;
    // The intent must be one `plan` accepts: check it like any intent, naming it after the
    // ClusterConfig it came from.
    crate::intent::parse_and_validate(
        &imported.intent_yaml,
        &format!("{origin} (imported intent)"),
        catalog,
    )?;
    let mut stderr: String = imported
        .notes
        .iter()
        .map(|n| format!("not carried over: {origin}: {n}\n"))
        .collect();
    let Some(out) = &args.output else {
        return Ok(Outcome {
            stdout: imported.intent_yaml,
            stderr,
            ..Outcome::default()
        });
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| AppError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    write_file(out, imported.intent_yaml.as_bytes(), existing).map_err(|source| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            AppError::Exists {
                path: out.clone(),
                action: "replace",
            }
        } else {
            AppError::Write {
                path: out.clone(),
                source,
            }
        }
    })?;
    stderr.push_str(&format!(
        "wrote {} ({} field(s) not carried over); next: eksgen plan -f {}\n",
        out.display(),
        imported.notes.len(),
        out.display()
    ));
    Ok(Outcome {
        stderr,
        ..Outcome::default()
    })
}
