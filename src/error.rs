//! The vocabulary every command shares: what a command prints and how it exits
//! ([`Outcome`], [`Exit`]), and the errors that stop a command ([`AppError`]).
//!
//! Shared vocabulary, not the command layer: `commands`, `catalog::overlay` and `main` all
//! use it, and it depends only on the stages' own error types.

use std::path::PathBuf;

use crate::diagnostic::IntentError;

/// How eksgen exits; `--help` documents the same codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Exit {
    /// The command did its job: no differences (`diff`), no failing findings (`lint`).
    #[default]
    Success,
    /// `diff` found differences, or `lint` found failing findings.
    Found,
    /// eksgen could not do its job: bad input, a file it cannot read or write, a bug.
    /// clap also exits 2 for command-line usage errors.
    Error,
    /// `diff` / `render --dry-run` with `--fail-on`: a change of that impact or worse.
    Disruptive,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Found => 1,
            Exit::Error => 2,
            Exit::Disruptive => 3,
        }
    }

    /// [`Exit::Found`] when `found`, else [`Exit::Success`].
    pub fn found_if(found: bool) -> Exit {
        if found { Exit::Found } else { Exit::Success }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// What a command prints and how it exits.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub exit: Exit,
}

impl Outcome {
    /// Success with `stdout` and nothing on stderr.
    pub fn ok(stdout: String) -> Outcome {
        Outcome {
            stdout,
            ..Outcome::default()
        }
    }
}

/// Errors that stop a command (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Intent(#[from] IntentError),
    #[error("cannot read {path}: {source}{hint}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
        hint: String,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unknown preset `{}`; {hint}", name.escape_debug())]
    UnknownPreset { name: String, hint: String },
    #[error("unknown instance type `{}`; {hint}", name.escape_debug())]
    UnknownInstanceType { name: String, hint: String },
    /// A file the command would create is already there; `action` is what `--force` does.
    #[error("{} already exists; pass --force to {action} it", path.display())]
    Exists { path: PathBuf, action: &'static str },
    #[error(
        "{} is a folder; name the intent file to write, e.g. -o {}",
        path.display(),
        path.join("eksgen.yaml").display()
    )]
    IntentPathIsFolder { path: PathBuf },
    #[error("cannot render the man page: {0}")]
    ManPage(std::io::Error),
    #[error("{message}")]
    Usage { message: String },
    #[error(
        "{} is not a valid eksgen lock file: {reason}; it records the subnet layout, versions and AMI paths your cluster runs on, so restore it from version control rather than deleting it (without it, render chooses a fresh layout and asks for --relayout when that would move subnets)",
        path.display()
    )]
    Lock { path: PathBuf, reason: String },
    /// Foreign `.tf` files in the output folder define what the generated ones define.
    #[error("{} holds Terraform that clashes with the generated files (terraform validate would fail); nothing was written:\n{clashes}\n  = hint: {hint}", dir.display())]
    ForeignTerraform {
        dir: PathBuf,
        clashes: String,
        hint: String,
    },
    #[error("{0}")]
    Render(#[from] crate::render::RenderError),
    #[error("{0}")]
    Output(#[from] crate::output::OutputError),
    #[error("{0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{0}")]
    Import(#[from] crate::catalog::import::ImportError),
    #[error("{0}")]
    Overlay(#[from] crate::catalog::overlay::OverlayError),
    #[error("{0}")]
    ReleasesImport(#[from] crate::catalog::releases::import::ImportError),
}

impl AppError {
    /// Every error stops the command with [`Exit::Error`].
    pub fn exit(&self) -> Exit {
        Exit::Error
    }
}
