//! `eksgen catalog`, `eksgen catalog import` and `eksgen max-pods`: facts about instance
//! types, and the command that turns EC2's own description of them into an overlay.

use std::fs;
use std::io;
use std::path::Path;

use crate::catalog::overlay::{CATALOG_ENV, CatalogInUse};
use crate::catalog::{Catalog, EMBEDDED_CATALOG_DATE, InstanceType};
use crate::cli::{CatalogArgs, CatalogImportArgs, DataFormat, MaxPodsArgs};
use crate::diagnostic::did_you_mean;
use crate::error::{AppError, Outcome};
use crate::max_pods::{MaxPodsOptions, max_pods as max_pods_of};
use crate::output::{Existing, write_file};
use crate::report;

fn unknown_type(name: &str, catalog: &Catalog) -> AppError {
    AppError::UnknownInstanceType {
        name: name.to_string(),
        hint: did_you_mean(name, catalog.iter().map(|t| t.name.as_str()))
            .unwrap_or_else(|| "`eksgen catalog` lists known types".to_string()),
    }
}

/// Every catalog type when `all`, else the named ones (an unknown name is an error).
fn types_named<'c>(
    names: &[String],
    all: bool,
    catalog: &'c Catalog,
) -> Result<Vec<&'c InstanceType>, AppError> {
    if all {
        return Ok(catalog.iter().collect());
    }
    names
        .iter()
        .map(|name| catalog.get(name).ok_or_else(|| unknown_type(name, catalog)))
        .collect()
}

pub(super) fn max_pods(args: &MaxPodsArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let types = types_named(&args.types, args.all, catalog)?;
    let opts = MaxPodsOptions {
        prefix_delegation: args.prefix_delegation,
        custom_networking: args.custom_networking,
        max_eni: args.max_eni,
        uncapped: args.uncapped,
    };
    let rows: Vec<_> = types.iter().map(|t| max_pods_of(t, opts)).collect();
    Ok(Outcome::ok(match args.format {
        DataFormat::Text => report::max_pods_text(&rows),
        DataFormat::Json => report::max_pods_json(&rows),
    }))
}

pub(super) fn catalog(args: &CatalogArgs, catalog: &CatalogInUse) -> Result<Outcome, AppError> {
    let named = types_named(&args.types, args.types.is_empty(), catalog)?;
    let shown: Vec<&InstanceType> = named
        .into_iter()
        .filter(|t| !args.gpu || t.gpu_count > 0)
        .filter(|t| !args.efa || t.efa_interfaces > 0)
        .collect();
    if args.source {
        let names: Vec<&str> = shown.iter().map(|t| t.name.as_str()).collect();
        return Ok(Outcome::ok(match args.format {
            DataFormat::Text => report::catalog_sources_text(catalog, &names),
            DataFormat::Json => report::catalog_sources_json(catalog, &names),
        }));
    }
    Ok(Outcome::ok(match args.format {
        DataFormat::Text => report::catalog_text(&shown),
        DataFormat::Json => report::catalog_json(&shown),
    }))
}

/// `eksgen catalog import FILE [-o OVERLAY] [--prices FILE]`.
///
/// Facts EC2 does not report (trunking, branch ENIs, price) are kept from the embedded
/// catalog, never from the current overlay, so an import gives the same file on every machine.
pub(super) fn import(args: &CatalogImportArgs) -> Result<Outcome, AppError> {
    let read = |path: &Path| {
        fs::read_to_string(path).map_err(|source| AppError::Read {
            path: path.to_path_buf(),
            source,
            hint: String::new(),
        })
    };
    let text = read(&args.file)?;
    let origin = args.file.display().to_string();
    let prices = match &args.prices {
        Some(p) => Some((p.display().to_string(), read(p)?)),
        None => None,
    };
    let imported = crate::catalog::import::import(
        &text,
        &origin,
        prices.as_ref().map(|(o, t)| (o.as_str(), t.as_str())),
        &args.price_region,
        Catalog::embedded(),
    )?;
    let mut stderr = String::new();
    for (name, reason) in &imported.skipped {
        stderr.push_str(&format!("skipped {name}: {reason}\n"));
    }
    let new = imported
        .types
        .iter()
        .filter(|n| Catalog::embedded().get(n).is_none())
        .count();
    let summary = format!(
        "{} type(s) from {origin}: {new} new, {} replacing embedded {EMBEDDED_CATALOG_DATE} rows{}",
        imported.types.len(),
        imported.types.len() - new,
        if prices.is_some() {
            format!(
                ", {} priced from the price file ({})",
                imported.priced, args.price_region
            )
        } else {
            String::new()
        }
    );
    let Some(out) = &args.output else {
        stderr.push_str(&summary);
        stderr.push('\n');
        return Ok(Outcome {
            stdout: imported.csv,
            stderr,
            ..Outcome::default()
        });
    };
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| AppError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    write_file(out, imported.csv.as_bytes(), existing).map_err(|source| {
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
        "wrote {}: {summary}\nuse it with `--catalog {0}` or {CATALOG_ENV}={0}, or save it as $XDG_CONFIG_HOME/eksgen/catalog.csv (~/.config/eksgen/catalog.csv)\n",
        out.display()
    ));
    Ok(Outcome {
        stderr,
        ..Outcome::default()
    })
}
