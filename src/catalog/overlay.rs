//! The catalog in use: the embedded one plus a user overlay (a CSV written by
//! `eksgen catalog import`), and where each type's facts come from; and the releases in use:
//! the embedded table plus a releases overlay (written by `eksgen releases import`, named by
//! `--releases` or `$EKSGEN_RELEASES`).
//!
//! [`CatalogInUse::load`] reads the overlay file; [`overlay_path`] looks at the
//! environment (through the function it is given) and checks whether the user config file
//! exists. Everything else here is pure.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::ops::Deref;
use std::path::PathBuf;

use crate::catalog::{Catalog, CatalogError, EMBEDDED_CATALOG_DATE};

/// Environment variable naming a catalog overlay CSV (`cli` declares it on `--catalog`).
pub const CATALOG_ENV: &str = "EKSGEN_CATALOG";

/// Environment variable naming a releases overlay CSV (`cli` declares it on `--releases`).
pub const RELEASES_ENV: &str = "EKSGEN_RELEASES";

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
    /// The releases overlay in use: its path and how many rows it adds or replaces.
    pub releases_overlay: Option<(PathBuf, usize)>,
}

impl Deref for CatalogInUse {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        &self.catalog
    }
}

/// Which overlay file applies, if any: the one `named` by `--catalog` or
/// `$EKSGEN_CATALOG` (an empty name counts as none), else
/// `$XDG_CONFIG_HOME/eksgen/catalog.csv` (`~/.config/eksgen/catalog.csv`) when it exists.
/// `env` looks variables up (the process environment, or a map in tests).
pub fn overlay_path(
    named: Option<(PathBuf, OverlayFrom)>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Option<(PathBuf, OverlayFrom)> {
    if let Some(named) = named.filter(|(p, _)| !p.as_os_str().is_empty()) {
        return Some(named);
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

/// Why the overlay in use cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    #[error(
        "cannot read {}: {source} (catalog overlay named by {}; write one with `eksgen catalog import`)",
        path.display(),
        from.as_str()
    )]
    Read {
        path: PathBuf,
        from: OverlayFrom,
        source: std::io::Error,
    },
    #[error("{0}")]
    Parse(#[from] CatalogError),
    #[error(
        "cannot read {}: {source} (releases overlay named by --releases or {RELEASES_ENV}; write one with `eksgen releases import`)",
        path.display()
    )]
    ReadReleases {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} (releases overlay; see `eksgen releases import`)")]
    Releases(#[from] crate::catalog::releases::ReleasesError),
}

impl CatalogInUse {
    /// The embedded catalog alone.
    pub fn embedded() -> CatalogInUse {
        CatalogInUse {
            catalog: std::borrow::Cow::Borrowed(Catalog::embedded()),
            overlay: None,
            releases_overlay: None,
        }
    }

    /// This catalog with the releases overlay at `path` (an empty name is none) added to
    /// the embedded releases. A file that cannot be read or parsed is an error.
    pub fn with_releases_file(mut self, path: Option<PathBuf>) -> Result<Self, OverlayError> {
        let Some(path) = path.filter(|p| !p.as_os_str().is_empty()) else {
            return Ok(self);
        };
        let text = fs::read_to_string(&path).map_err(|source| OverlayError::ReadReleases {
            path: path.clone(),
            source,
        })?;
        let more = crate::catalog::releases::Releases::parse(&text, &path.display().to_string())?;
        let rows = more.rows().len();
        self.catalog.to_mut().add_releases(more);
        self.releases_overlay = Some((path, rows));
        Ok(self)
    }

    /// The embedded catalog plus the overlay `named` by `--catalog` or the environment, or
    /// found in the user config ([`overlay_path`]). A named file that cannot be read or
    /// parsed is an error.
    pub fn load(named: Option<(PathBuf, OverlayFrom)>) -> Result<CatalogInUse, OverlayError> {
        match overlay_path(named, |k| std::env::var_os(k)) {
            None => Ok(CatalogInUse::embedded()),
            Some((path, from)) => {
                let text = fs::read_to_string(&path).map_err(|source| OverlayError::Read {
                    path: path.clone(),
                    from,
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
    ) -> Result<CatalogInUse, OverlayError> {
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
            releases_overlay: None,
        })
    }

    /// One stderr line saying an overlay is in use (empty without one), so a plan that
    /// differs between machines can be traced to the overlay.
    pub fn note(&self) -> String {
        let mut note = match &self.overlay {
            None => String::new(),
            Some(o) => format!(
                "note: catalog overlay {} ({}): {} type(s), {} replacing embedded rows\n",
                o.path.display(),
                o.from.as_str(),
                o.names.len(),
                o.replaced
            ),
        };
        if let Some((path, rows)) = &self.releases_overlay {
            note.push_str(&format!(
                "note: releases overlay {}: {rows} release(s) added to the embedded table\n",
                path.display()
            ));
        }
        note
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

    /// The overlay, when it defines `name`.
    pub fn overlay_defining(&self, name: &str) -> Option<&Overlay> {
        self.overlay.as_ref().filter(|o| o.names.contains(name))
    }
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
        let from = |r: Option<(PathBuf, OverlayFrom)>| r.map(|(_, f)| f);
        // `--catalog` or EKSGEN_CATALOG (clap decides which of the two) wins over the config.
        let named = |p: &str, from| Some((PathBuf::from(p), from));
        assert_eq!(
            from(overlay_path(
                named("/f.csv", OverlayFrom::Flag),
                vars(&[xdg])
            )),
            Some(OverlayFrom::Flag)
        );
        assert_eq!(
            from(overlay_path(
                named("/env.csv", OverlayFrom::Env),
                vars(&[xdg])
            )),
            Some(OverlayFrom::Env)
        );
        assert_eq!(
            overlay_path(None, vars(&[xdg])),
            Some((config.join("catalog.csv"), OverlayFrom::Config))
        );
        // A relative XDG_CONFIG_HOME is ignored; with no HOME either there is no overlay.
        let relative = ("XDG_CONFIG_HOME", std::ffi::OsStr::new("rel"));
        assert_eq!(overlay_path(None, vars(&[relative])), None);
        // An empty EKSGEN_CATALOG counts as unset.
        assert_eq!(
            from(overlay_path(named("", OverlayFrom::Env), vars(&[xdg]))),
            Some(OverlayFrom::Config)
        );
    }
}
