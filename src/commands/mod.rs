//! One module per command (or small group of commands): the only code that sequences
//! file I/O with the pure stages.
//!
//! [`run`] dispatches a parsed command line. Each command reads what it needs (the intent,
//! the catalog overlay), runs the pure stages (`pipeline`, `render`), has `report` format
//! the result and `output` write files, and returns what to print and how to exit as an
//! [`Outcome`]. Nothing here prints; `main` does. The clap types of `cli` stop here: no
//! module below `commands` sees them.

mod catalog;
mod import;
mod init;
mod meta;
mod plan;
mod releases;
mod render;
mod upgrade;

use std::fs;
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::catalog::overlay::CatalogInUse;
use crate::cli::{
    CatalogArgs, CatalogCommand, Cli, Command, IntentArgs, ReleasesArgs, ReleasesCommand,
};
use crate::diagnostic::{Diagnostic, IntentError};
use crate::error::{AppError, Outcome};
use crate::lock::{self, Lock};
use crate::pipeline::LoadedIntent;
use crate::{intent, presets};

/// Run one command line.
pub fn run(cli: Cli) -> Result<Outcome, AppError> {
    // Commands that do not read the catalog.
    match &cli.command {
        Command::Schema => return Ok(meta::schema()),
        Command::Completions(args) => return Ok(meta::completions(args.shell)),
        Command::Man => return meta::man(),
        Command::Catalog(CatalogArgs {
            action: Some(CatalogCommand::Import(args)),
            ..
        }) => return catalog::import(args),
        Command::Releases(ReleasesArgs {
            action: Some(ReleasesCommand::Import(args)),
            ..
        }) => return releases::import(args),
        _ => {}
    }
    let cat = CatalogInUse::load(cli.catalog_overlay())?
        .with_releases_file(cli.releases.as_ref().map(PathBuf::from))?;
    let mut outcome = match cli.command {
        Command::Init(args) => init::init(&args, &cat),
        Command::Plan(args) => plan::plan(&args, &cat),
        Command::Lint(args) => plan::lint(&args, &cat),
        Command::Render(args) => render::render(&args, &cat),
        Command::Diff(args) => render::diff(&args, &cat),
        Command::Upgrade(args) => upgrade::upgrade(&args, &cat),
        Command::Releases(args) => releases::list(&args, &cat),
        Command::MaxPods(args) => catalog::max_pods(&args, &cat),
        Command::Catalog(args) => catalog::catalog(&args, &cat),
        Command::Import(args) => import::import(&args, &cat),
        Command::Schema | Command::Completions(_) | Command::Man => unreachable!("handled above"),
    }?;
    outcome.stderr.insert_str(0, &cat.note());
    Ok(outcome)
}

/// An intent file's text: at most [`intent::MAX_INTENT_BYTES`], UTF-8, with errors that
/// name the file (and the line and column of a byte that is not UTF-8).
fn read_intent_text(path: &Path) -> Result<String, AppError> {
    let origin = path.display().to_string();
    let bytes = read_limited(path).map_err(|source| AppError::Read {
        hint: if source.kind() == std::io::ErrorKind::NotFound {
            "; create one with `eksgen init --preset minimal` (see `eksgen init --list`)"
                .to_string()
        } else {
            String::new()
        },
        path: path.to_path_buf(),
        source,
    })?;
    let whole_file = |message: String, hint: &str, position: Option<(usize, usize)>| {
        let mut d = Diagnostic::new("", message).hint(hint);
        d.position = position;
        AppError::Intent(IntentError {
            origin: origin.clone(),
            source_text: String::new(),
            diagnostics: vec![d],
        })
    };
    if bytes.len() > intent::MAX_INTENT_BYTES {
        return Err(whole_file(
            format!(
                "the file is larger than {} bytes, the limit for intents",
                intent::MAX_INTENT_BYTES
            ),
            "an intent describes one cluster in a few hundred lines; check that this is the right file",
            None,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The prefix before the bad byte is valid UTF-8, so it can place the byte.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        whole_file(
            format!(
                "the file is not UTF-8 text (invalid byte 0x{:02x} at offset {})",
                e.as_bytes()[valid.len()],
                valid.len()
            ),
            "intent files are YAML text; check that this is the right file",
            Some((line, column)),
        )
    })
}

/// The file's bytes, but never more than one byte past the intent size limit: a huge file
/// or an endless one (`/dev/zero`) is not read into memory.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(intent::MAX_INTENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The intent named on the command line: a preset or a file, resolved keeping the layout
/// of its lock file.
fn load_intent(args: &IntentArgs, catalog: &Catalog) -> Result<LoadedIntent, AppError> {
    load_intent_locked(args, catalog, Redo::default()).map(|(loaded, _)| loaded)
}

/// What a command asks to decide afresh instead of keeping the lock's record.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Redo {
    /// `--relayout`: a fresh subnet layout.
    pub relayout: bool,
    /// `--change-ami-path`: each managed group's AMI path decided afresh.
    pub change_ami_path: bool,
}

/// An intent file's lock: where it lives and what it holds (`None`: no lock yet).
pub(super) struct LockFile {
    pub(super) path: PathBuf,
    pub(super) lock: Option<Lock>,
}

/// The intent named on the command line, resolved keeping what its lock file records
/// (unless `redo` says otherwise), and the lock file (`None` for presets, which have no
/// folder).
pub(super) fn load_intent_locked(
    args: &IntentArgs,
    catalog: &Catalog,
    redo: Redo,
) -> Result<(LoadedIntent, Option<LockFile>), AppError> {
    let (text, origin) = match &args.preset {
        Some(name) => (preset_text(name)?.to_string(), format!("preset {name}")),
        None => (
            read_intent_text(&args.file)?,
            args.file.display().to_string(),
        ),
    };
    let lock_file = match &args.preset {
        Some(_) => None,
        None => Some(read_lock(&lock::path_for(&args.file))?),
    };
    let pins = match lock_file.as_ref().and_then(|f| f.lock.as_ref()) {
        Some(lock) => {
            // A lock of another cluster must not steer this one's versions or layout.
            if let Ok(valid) = intent::parse_and_validate(&text, &origin, catalog)
                && valid.metadata.name != lock.cluster
            {
                return Err(AppError::Lock {
                    path: lock::path_for(&args.file),
                    reason: format!(
                        "it belongs to cluster {:?}, the intent names {:?} (a renamed cluster is a new cluster: move the lock away to start a new layout)",
                        lock.cluster, valid.metadata.name
                    ),
                });
            }
            lock::Pins::of(lock, redo.relayout, redo.change_ami_path).map_err(|reason| {
                AppError::Lock {
                    path: lock::path_for(&args.file),
                    reason,
                }
            })?
        }
        None => lock::Pins::default(),
    };
    let loaded = LoadedIntent::from_text_pinned(text, origin, catalog, &pins)?;
    Ok((loaded, lock_file))
}

/// Reads the lock file at `path` (size-bounded); a missing one is no lock.
fn read_lock(path: &Path) -> Result<LockFile, AppError> {
    use std::io::Read;
    let bad = |reason: String| AppError::Lock {
        path: path.to_path_buf(),
        reason,
    };
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(LockFile {
                path: path.to_path_buf(),
                lock: None,
            });
        }
        Err(source) => {
            return Err(AppError::Read {
                path: path.to_path_buf(),
                source,
                hint: String::new(),
            });
        }
    };
    let mut bytes = Vec::new();
    file.take(lock::MAX_LOCK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| AppError::Read {
            path: path.to_path_buf(),
            source,
            hint: String::new(),
        })?;
    if bytes.len() as u64 > lock::MAX_LOCK_BYTES {
        return Err(bad(format!(
            "it is larger than {} bytes",
            lock::MAX_LOCK_BYTES
        )));
    }
    Ok(LockFile {
        path: path.to_path_buf(),
        lock: Some(Lock::parse(&bytes).map_err(bad)?),
    })
}

/// How generated files name the intent: by file name only, so the files do not depend on
/// the working folder or on how `-f` was spelled, and hold no machine path.
pub(super) fn header_name(args: &IntentArgs) -> String {
    match &args.preset {
        Some(name) => format!("preset {name}"),
        None => args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| args.file.display().to_string()),
    }
}

fn preset_text(name: &str) -> Result<&'static str, AppError> {
    presets::get(name).ok_or_else(|| AppError::UnknownPreset {
        name: name.to_string(),
        hint: crate::diagnostic::did_you_mean(name, presets::names()).unwrap_or_else(|| {
            format!(
                "presets: {}",
                presets::names().collect::<Vec<_>>().join(", ")
            )
        }),
    })
}
