//! What fits eksgen into its surroundings: the catalog in use (embedded plus a user
//! overlay), `catalog import`, `schema`, shell completions and the man page.
//!
//! Like `app`, this returns text and never prints. Only [`CatalogInUse::load`] and
//! [`catalog_import`] touch files or the environment.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::app::{AppError, Outcome};
use crate::catalog::{Catalog, EMBEDDED_CATALOG_DATE};
use crate::cli::{CatalogImportArgs, Cli, DataFormat};

/// Environment variable naming a catalog overlay CSV.
pub const CATALOG_ENV: &str = "EKSGEN_CATALOG";

/// Where an overlay path came from, in the words messages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayFrom {
    Flag,
    Env,
    Config,
}

impl OverlayFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            OverlayFrom::Flag => "--catalog",
            OverlayFrom::Env => CATALOG_ENV,
            OverlayFrom::Config => "user config",
        }
    }
}

/// The overlay file in use and the names it defines.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub path: PathBuf,
    pub from: OverlayFrom,
    pub names: BTreeSet<String>,
    /// Names that also exist in the embedded catalog (the overlay replaces those rows).
    pub replaced: usize,
}

/// The catalog commands read: the embedded one, with the overlay's rows added or replaced.
#[derive(Debug)]
pub struct CatalogInUse {
    catalog: std::borrow::Cow<'static, Catalog>,
    pub overlay: Option<Overlay>,
}

impl Deref for CatalogInUse {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        &self.catalog
    }
}

/// Which overlay file applies, if any: `--catalog`, then `$EKSGEN_CATALOG`, then
/// `$XDG_CONFIG_HOME/eksgen/catalog.csv` (`~/.config/eksgen/catalog.csv`) when it exists.
/// `env` looks variables up (the process environment, or a map in tests).
pub fn overlay_path(
    flag: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Option<(PathBuf, OverlayFrom)> {
    if let Some(p) = flag {
        return Some((p.to_path_buf(), OverlayFrom::Flag));
    }
    if let Some(p) = env(CATALOG_ENV).filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(p), OverlayFrom::Env));
    }
    // The XDG base-directory spec says to ignore a relative XDG_CONFIG_HOME.
    let config_home = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    let path = config_home.join("eksgen").join("catalog.csv");
    path.is_file().then_some((path, OverlayFrom::Config))
}

impl CatalogInUse {
    /// The embedded catalog alone.
    pub fn embedded() -> CatalogInUse {
        CatalogInUse {
            catalog: std::borrow::Cow::Borrowed(Catalog::embedded()),
            overlay: None,
        }
    }

    /// The embedded catalog plus the overlay named by `--catalog`, the environment or the
    /// user config. A named file that cannot be read or parsed is an error.
    pub fn load(flag: Option<&Path>) -> Result<CatalogInUse, AppError> {
        match overlay_path(flag, |k| std::env::var_os(k)) {
            None => Ok(CatalogInUse::embedded()),
            Some((path, from)) => {
                let text = fs::read_to_string(&path).map_err(|source| AppError::Read {
                    hint: format!(
                        " (catalog overlay named by {}; write one with `eksgen catalog import`)",
                        from.as_str()
                    ),
                    path: path.clone(),
                    source,
                })?;
                CatalogInUse::with_overlay(&text, path, from)
            }
        }
    }

    /// The embedded catalog with overlay CSV text applied.
    pub fn with_overlay(
        text: &str,
        path: PathBuf,
        from: OverlayFrom,
    ) -> Result<CatalogInUse, AppError> {
        let overlay = Catalog::from_csv(text, &path.display().to_string())?;
        let names: BTreeSet<String> = overlay.iter().map(|t| t.name.clone()).collect();
        let embedded = Catalog::embedded();
        let replaced = names.iter().filter(|n| embedded.get(n).is_some()).count();
        let mut catalog = embedded.clone();
        catalog.extend(overlay);
        Ok(CatalogInUse {
            catalog: std::borrow::Cow::Owned(catalog),
            overlay: Some(Overlay {
                path,
                from,
                names,
                replaced,
            }),
        })
    }

    /// One stderr line saying an overlay is in use (empty without one), so a plan that
    /// differs between machines can be traced to the overlay.
    pub fn note(&self) -> String {
        match &self.overlay {
            None => String::new(),
            Some(o) => format!(
                "note: catalog overlay {} ({}): {} type(s), {} replacing embedded rows\n",
                o.path.display(),
                o.from.as_str(),
                o.names.len(),
                o.replaced
            ),
        }
    }

    /// Where one type's facts come from.
    pub fn source_of(&self, name: &str) -> String {
        match &self.overlay {
            Some(o) if o.names.contains(name) => {
                let replaces = if Catalog::embedded().get(name).is_some() {
                    format!(", replacing the embedded {EMBEDDED_CATALOG_DATE} row")
                } else {
                    String::new()
                };
                format!(
                    "overlay {} ({}){replaces}",
                    o.path.display(),
                    o.from.as_str()
                )
            }
            _ => format!("embedded catalog {EMBEDDED_CATALOG_DATE}"),
        }
    }

    /// `eksgen catalog --source`: one line (or JSON object) per type.
    pub fn sources_report(&self, names: &[&str], format: DataFormat) -> String {
        match format {
            DataFormat::Text => {
                let width = names.iter().map(|n| n.len()).max().unwrap_or(4).max(4);
                let mut out = format!("{:<width$}  SOURCE\n", "TYPE");
                for name in names {
                    out.push_str(&format!("{name:<width$}  {}\n", self.source_of(name)));
                }
                out
            }
            DataFormat::Json => {
                let rows: Vec<serde_json::Value> = names
                    .iter()
                    .map(|name| {
                        let overlay = self
                            .overlay
                            .as_ref()
                            .filter(|o| o.names.contains(*name));
                        serde_json::json!({
                            "name": name,
                            "source": if overlay.is_some() { "overlay" } else { "embedded" },
                            "path": overlay.map(|o| o.path.display().to_string()),
                            "via": overlay.map(|o| o.from.as_str()),
                            "embeddedDate": EMBEDDED_CATALOG_DATE,
                            "replacesEmbedded": overlay.is_some() && Catalog::embedded().get(name).is_some(),
                        })
                    })
                    .collect();
                serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
            }
        }
    }
}

/// `eksgen schema`.
pub fn schema() -> Outcome {
    Outcome {
        stdout: crate::intent::json_schema(),
        ..Outcome::default()
    }
}

/// File name of the schema `eksgen init` writes beside the intent.
///
/// Why a relative path beside the intent, and not a URL: eksgen has no hosted schema, and an
/// address that looks official but is not would be worse than none. An absolute path would
/// break on the next machine. A file beside the intent travels with the repository, works
/// offline, and matches the eksgen that wrote it; yaml-language-server resolves a relative
/// `$schema` against the YAML file's folder.
pub const SCHEMA_FILE: &str = "eksgen.schema.json";

/// The first line `eksgen init` writes: yaml-language-server's schema modeline.
pub fn schema_modeline() -> String {
    format!("# yaml-language-server: $schema=./{SCHEMA_FILE}\n")
}

/// The intent text with the schema modeline as its first line (replacing one already there).
pub fn with_schema_modeline(text: &str) -> String {
    let rest = match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("# yaml-language-server:") => rest,
        _ => text,
    };
    schema_modeline() + rest
}

/// Write the schema beside `intent` unless a file of that name exists (it may be one the
/// team committed, or a newer one): an existing file is never overwritten. Returns the line
/// for stderr.
pub fn write_schema_beside(intent: &Path) -> Result<String, AppError> {
    let dir = intent.parent().unwrap_or(Path::new(""));
    let path = dir.join(SCHEMA_FILE);
    // symlink_metadata, not exists(): a dangling link there counts as a file and is never
    // written through (fs::write would create its target, wherever it points).
    if fs::symlink_metadata(&path).is_ok() {
        let current = fs::read_to_string(&path).unwrap_or_default() == crate::intent::json_schema();
        return Ok(if current {
            String::new()
        } else {
            format!(
                "kept {} (it differs from this eksgen's schema; refresh it with `eksgen schema > {0}`)\n",
                path.display()
            )
        });
    }
    fs::write(&path, crate::intent::json_schema()).map_err(|source| AppError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(format!(
        "wrote {} for editor completion (yaml-language-server reads it through the first line of the intent)\n",
        path.display()
    ))
}

/// `eksgen completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "eksgen", &mut buf);
    Outcome {
        stdout: String::from_utf8_lossy(&buf).into_owned(),
        ..Outcome::default()
    }
}

/// `eksgen man`: one page, the top-level command followed by a section per subcommand.
pub fn man() -> Result<Outcome, AppError> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    let fail = |e: std::io::Error| AppError::Usage {
        message: format!("cannot render the man page: {e}"),
    };
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
    Ok(Outcome {
        stdout: page,
        ..Outcome::default()
    })
}

fn title_case(heading: &str) -> String {
    let lower = heading.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `eksgen catalog import FILE [-o OVERLAY] [--prices FILE]`.
///
/// Facts EC2 does not report (trunking, branch ENIs, price) are kept from the embedded
/// catalog, never from the current overlay, so an import gives the same file on every machine.
pub fn catalog_import(args: &CatalogImportArgs) -> Result<Outcome, AppError> {
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
    let imported = crate::catalog_import::import(
        &text,
        &origin,
        prices.as_ref().map(|(o, t)| (o.as_str(), t.as_str())),
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
            format!(", {} priced from the price file", imported.priced)
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
            code: 0,
        });
    };
    if out.exists() && !args.force {
        return Err(AppError::Usage {
            message: format!(
                "{} already exists; pass --force to replace it",
                out.display()
            ),
        });
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| AppError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    fs::write(out, &imported.csv).map_err(|source| AppError::Write {
        path: out.clone(),
        source,
    })?;
    stderr.push_str(&format!(
        "wrote {}: {summary}\nuse it with `--catalog {0}` or {CATALOG_ENV}={0}, or save it as $XDG_CONFIG_HOME/eksgen/catalog.csv (~/.config/eksgen/catalog.csv)\n",
        out.display()
    ));
    Ok(Outcome {
        stdout: String::new(),
        stderr,
        code: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_precedence_flag_env_config() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("eksgen");
        fs::create_dir_all(&config).unwrap();
        fs::write(config.join("catalog.csv"), "x").unwrap();
        let vars = |pairs: &[(&str, &std::ffi::OsStr)]| {
            let map: std::collections::HashMap<String, OsString> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_os_string()))
                .collect();
            move |k: &str| map.get(k).cloned()
        };
        let xdg = ("XDG_CONFIG_HOME", dir.path().as_os_str());
        let env = ("EKSGEN_CATALOG", std::ffi::OsStr::new("/env.csv"));
        let both = vars(&[xdg, env]);
        let from = |r: Option<(PathBuf, OverlayFrom)>| r.map(|(_, f)| f);
        assert_eq!(
            from(overlay_path(Some(Path::new("/f.csv")), &both)),
            Some(OverlayFrom::Flag)
        );
        assert_eq!(from(overlay_path(None, &both)), Some(OverlayFrom::Env));
        assert_eq!(
            overlay_path(None, vars(&[xdg])),
            Some((config.join("catalog.csv"), OverlayFrom::Config))
        );
        // A relative XDG_CONFIG_HOME is ignored; with no HOME either there is no overlay.
        let relative = ("XDG_CONFIG_HOME", std::ffi::OsStr::new("rel"));
        assert_eq!(overlay_path(None, vars(&[relative])), None);
        // An empty EKSGEN_CATALOG counts as unset.
        let empty = ("EKSGEN_CATALOG", std::ffi::OsStr::new(""));
        assert_eq!(
            from(overlay_path(None, vars(&[empty, xdg]))),
            Some(OverlayFrom::Config)
        );
    }
}
