//! `eksgen init`: write an intent file from a preset, and the intent's JSON Schema beside it.

use std::fs;
use std::io;
use std::path::Path;

use crate::catalog::Catalog;
use crate::cli::InitArgs;
use crate::error::{AppError, Outcome};
use crate::output::{Existing, write_file};
use crate::pipeline::plan_from_text_with;
use crate::{intent, presets};

use super::preset_text;

/// File name of the schema `eksgen init` writes beside the intent.
///
/// Why a relative path beside the intent, and not a URL: eksgen has no hosted schema, and an
/// address that looks official but is not would be worse than none. An absolute path would
/// break on the next machine. A file beside the intent travels with the repository, works
/// offline, and matches the eksgen that wrote it; yaml-language-server resolves a relative
/// `$schema` against the YAML file's folder.
pub const SCHEMA_FILE: &str = "eksgen.schema.json";

pub(super) fn init(args: &InitArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    if args.list {
        let mut out = String::new();
        for (name, description, _) in presets::PRESETS {
            out.push_str(&format!("{name:<26} {description}\n"));
        }
        return Ok(Outcome::ok(out));
    }
    let name = args.preset.as_deref().unwrap_or_default();
    let text = preset_text(name)?;
    if let Some(cluster) = &args.name {
        let ok = intent::is_cluster_name(cluster);
        if !ok {
            return Err(AppError::Usage {
                message: format!(
                    "--name `{}` is not a valid EKS cluster name: use 1-100 characters of A-Z, a-z, 0-9, `-` and `_`, starting with a letter or digit",
                    cluster.escape_debug()
                ),
            });
        }
    }
    if let Some(region) = &args.region {
        if !intent::is_region(region) {
            return Err(AppError::Usage {
                message: format!(
                    "--region `{}` is not an AWS region name such as us-east-1",
                    region.escape_debug()
                ),
            });
        }
    }
    let text = presets::customize(text, args.name.as_deref(), args.region.as_deref());
    // The customized preset must still be a valid intent before anything is written.
    plan_from_text_with(&text, &args.output.display().to_string(), catalog)?;
    let text = with_schema_modeline(&text);
    write_intent_file(&args.output, &text, args.force)?;
    let schema_note = write_schema_beside(&args.output)?;
    Ok(Outcome {
        stdout: String::new(),
        stderr: format!(
            "wrote {} from preset `{name}`; next: `eksgen plan -f {0}` then `eksgen render -f {0}`\n{schema_note}",
            args.output.display()
        ),
        ..Outcome::default()
    })
}

/// Writes an intent file: refuses to replace anything already at `path` (a dangling
/// symbolic link included) without `force`, and with `force` replaces it atomically
/// ([`write_file`]; a link is replaced itself, never written through).
fn write_intent_file(path: &Path, text: &str, force: bool) -> Result<(), AppError> {
    let exists = |path: &Path| AppError::Exists {
        path: path.to_path_buf(),
        action: "overwrite",
    };
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(AppError::IntentPathIsFolder {
                path: path.to_path_buf(),
            });
        }
        Ok(_) if !force => return Err(exists(path)),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(AppError::Write {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    write_file(path, text.as_bytes(), existing).map_err(|source| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            exists(path)
        } else {
            AppError::Write {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// The first line `eksgen init` writes: yaml-language-server's schema modeline.
fn schema_modeline() -> String {
    format!("# yaml-language-server: $schema=./{SCHEMA_FILE}\n")
}

/// The intent text with the schema modeline as its first line (replacing one already there).
fn with_schema_modeline(text: &str) -> String {
    let rest = match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("# yaml-language-server:") => rest,
        _ => text,
    };
    schema_modeline() + rest
}

/// Write the schema beside `intent` unless a file of that name exists (it may be one the
/// team committed, or a newer one): an existing file, or a link there, is never
/// overwritten or written through. Returns the line for stderr.
fn write_schema_beside(intent: &Path) -> Result<String, AppError> {
    let dir = intent.parent().unwrap_or(Path::new(""));
    let path = dir.join(SCHEMA_FILE);
    let schema = crate::intent::json_schema();
    match write_file(&path, schema.as_bytes(), Existing::Keep) {
        Ok(()) => Ok(format!(
            "wrote {} for editor completion (yaml-language-server reads it through the first line of the intent)\n",
            path.display()
        )),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let current = fs::read_to_string(&path).unwrap_or_default() == schema;
            Ok(if current {
                String::new()
            } else {
                format!(
                    "kept {} (it differs from this eksgen's schema; refresh it with `eksgen schema > {0}`)\n",
                    path.display()
                )
            })
        }
        Err(source) => Err(AppError::Write { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modeline_replaces_an_existing_one() {
        let once = with_schema_modeline("a: 1\n");
        assert_eq!(once, format!("{}a: 1\n", schema_modeline()));
        assert_eq!(with_schema_modeline(&once), once);
    }
}
