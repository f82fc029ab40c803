//! `eksgen releases`: the AMI releases and add-on versions eksgen knows (the embedded table
//! plus a `--releases` overlay), and `eksgen releases import`, which turns the AWS CLI's JSON
//! into such an overlay.

use std::fs;
use std::io;
use std::path::Path;

use crate::catalog::Catalog;
use crate::catalog::overlay::RELEASES_ENV;
use crate::catalog::releases::{self, Release};
use crate::cli::{DataFormat, ReleasesArgs, ReleasesImportArgs};
use crate::error::{AppError, Outcome};
use crate::output::{Existing, write_file};

/// `eksgen releases [--kubernetes 1.34] [--format json]`.
pub(super) fn list(args: &ReleasesArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    if let Some(k) = &args.kubernetes
        && releases::minor(k).is_none()
    {
        return Err(AppError::Usage {
            message: format!("--kubernetes {k}: not a Kubernetes minor version such as 1.34"),
        });
    }
    let rows: Vec<&Release> = catalog
        .releases()
        .rows()
        .iter()
        .filter(|r| {
            args.kubernetes
                .as_deref()
                .is_none_or(|k| r.kubernetes == k || r.kubernetes == "*")
        })
        .collect();
    Ok(Outcome::ok(match args.format {
        DataFormat::Json => crate::to_json_pretty(&rows),
        DataFormat::Text => text(&rows),
    }))
}

fn text(rows: &[&Release]) -> String {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.component.to_string(),
                r.kubernetes.clone(),
                r.version.clone(),
                r.date.clone(),
            ]
        })
        .collect();
    let header = ["component", "kubernetes", "version", "date"];
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].len())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2), width(3)];
    let line = |c: [&str; 4], source: &str| {
        format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {source}\n",
            c[0],
            c[1],
            c[2],
            c[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
    };
    let mut out = line(header, "source");
    for (c, r) in cells.iter().zip(rows) {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3]], r.source.as_str()));
    }
    out
}

/// `eksgen releases import FILE... [-o OVERLAY] [--force] [--date YYYY-MM-DD]`.
pub(super) fn import(args: &ReleasesImportArgs) -> Result<Outcome, AppError> {
    let date = match &args.date {
        Some(d) => {
            if !releases::is_date(d) {
                return Err(AppError::Usage {
                    message: format!("--date {d}: not a date such as 2026-12-02 (YYYY-MM-DD)"),
                });
            }
            d.clone()
        }
        None => today(),
    };
    let mut files = Vec::new();
    for path in &args.files {
        let text = fs::read_to_string(path).map_err(|source| AppError::Read {
            path: path.clone(),
            source,
            hint: String::new(),
        })?;
        files.push((path.display().to_string(), text));
    }
    let imported = releases::import::import(&files, &date)?;
    let csv = imported.releases.to_csv();
    let summary = format!(
        "{} release(s) from {} file(s); {} entr{} that are not releases eksgen pins skipped",
        imported.releases.rows().len(),
        files.len(),
        imported.skipped,
        if imported.skipped == 1 { "y" } else { "ies" }
    );
    let Some(out) = &args.output else {
        return Ok(Outcome {
            stdout: csv,
            stderr: format!("{summary}\n"),
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
    write_file(out, csv.as_bytes(), existing).map_err(|source| write_error(out, source))?;
    Ok(Outcome {
        stderr: format!(
            "wrote {}: {summary}\nuse it with `--releases {0}` or {RELEASES_ENV}={0}\n",
            out.display()
        ),
        ..Outcome::default()
    })
}

fn write_error(out: &Path, source: io::Error) -> AppError {
    if source.kind() == io::ErrorKind::AlreadyExists {
        AppError::Exists {
            path: out.to_path_buf(),
            action: "replace",
        }
    } else {
        AppError::Write {
            path: out.to_path_buf(),
            source,
        }
    }
}

/// Today's date (UTC), for rows whose JSON carries none.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = releases::import::civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}
