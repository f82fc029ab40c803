//! `eksgen upgrade`: the one command that moves pinned versions. It bumps the Kubernetes
//! version (one minor at a time, never down: the intent's `kubernetesVersion` and the lock
//! change together), each node group's AMI release and each add-on's version to the newest
//! releases eksgen knows (`eksgen releases`), writes the intent and the lock, and shows what
//! changes: the versions, and with `-o DIR` the diff of the output folder with the impact of
//! every change (which groups roll, what is replaced). A group's AMI path never changes
//! here; `render` then writes the files.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalog::Catalog;
use crate::catalog::releases::minor;
use crate::cli::{IntentArgs, UpgradeArgs};
use crate::error::{AppError, Outcome};
use crate::lock::{self, Lock, Pins};
use crate::output;
use crate::pipeline::LoadedIntent;
use crate::report::diff as report_diff;

use super::{read_intent_text, read_lock, render};

pub(super) fn upgrade(args: &UpgradeArgs, catalog: &Catalog) -> Result<Outcome, AppError> {
    let intent_path = &args.file;
    let lock_path = lock::path_for(intent_path);
    let text = read_intent_text(intent_path)?;
    let lock_error = |reason: String| AppError::Lock {
        path: lock_path.clone(),
        reason,
    };
    let no_lock = |what: &str| AppError::Usage {
        message: format!(
            "{}: {what}: `eksgen render -f {}` records the versions in use first; upgrade moves them from there",
            lock_path.display(),
            intent_path.display()
        ),
    };
    let Some(old) = read_lock(&lock_path)?.lock else {
        return Err(no_lock("no lock file yet"));
    };
    let Some(running) = old.versions.as_ref().map(|v| v.kubernetes.clone()) else {
        return Err(no_lock("the lock records no versions yet"));
    };

    // The Kubernetes version: the next minor at most, never down.
    let mut new_text = text.clone();
    if let Some(asked) = &args.kubernetes {
        let target = next_minor(asked, &running, &lock_path)?;
        if target != running {
            new_text = with_kubernetes_version(&text, &target).ok_or_else(|| AppError::Usage {
                message: format!(
                    "{}: no `kubernetesVersion:` line to update; set spec.kubernetesVersion to \"{target}\" by hand and run `eksgen render`",
                    intent_path.display()
                ),
            })?;
        }
    }

    // Without --ami or --addons, both move; a Kubernetes bump moves both anyway (the
    // recorded releases belong to the old version).
    let everything = !args.ami && !args.addons;
    let mut pins = Pins::of(&old, false, false).map_err(lock_error)?;
    if args.ami || everything {
        pins.ami_releases.clear();
    }
    if args.addons || everything {
        pins.addons.clear();
    }
    let loaded = LoadedIntent::from_text_pinned(
        new_text.clone(),
        intent_path.display().to_string(),
        catalog,
        &pins,
    )?;
    if let Some(err) = loaded.findings_error() {
        return Err(err.into());
    }
    let new = old
        .with_layout_of(&loaded.plan)
        .with_versions_of(&loaded.plan);

    let mut stdout = changes(&old, &new);
    if stdout.is_empty() {
        stdout = format!(
            "nothing to upgrade: the lock already pins the newest releases eksgen knows for Kubernetes {running} (see `eksgen releases`; newer ones: `eksgen releases import`)\n"
        );
        return Ok(Outcome::ok(stdout));
    }
    let write = |path: &Path, bytes: &[u8]| {
        output::write_file(path, bytes, output::Existing::Replace).map_err(|source| {
            AppError::Write {
                path: path.to_path_buf(),
                source,
            }
        })
    };
    let verb = if args.dry_run {
        "would update"
    } else {
        "updated"
    };
    if new_text != text {
        if !args.dry_run {
            write(intent_path, new_text.as_bytes())?;
        }
        stdout.push_str(&format!("{verb} {}\n", intent_path.display()));
    }
    if !args.dry_run {
        write(&lock_path, new.to_json().as_bytes())?;
    }
    stdout.push_str(&format!("{verb} {} (lock)\n", lock_path.display()));

    let intent_args = IntentArgs {
        file: intent_path.clone(),
        preset: None,
    };
    match &args.output {
        Some(dir) => {
            let compared = render::compare(loaded, None, &intent_args, Some(dir))?;
            stdout.push('\n');
            stdout.push_str(&report_diff::format_unified(&compared.changes, false));
            stdout.push_str(&report_diff::format_impact_text(&compared.impacts));
            stdout.push_str(&format!(
                "next: `eksgen render -f {} -o {}` writes these files, then `terraform apply`\n",
                intent_path.display(),
                dir.display()
            ));
        }
        None => stdout.push_str(&format!(
            "next: `eksgen diff -f {} -o DIR` shows what terraform apply would do; `eksgen render` writes it\n",
            intent_path.display()
        )),
    }
    Ok(Outcome::ok(stdout))
}

/// The Kubernetes version `--kubernetes` asks for (`next`, or a minor version), checked
/// against the one the cluster runs: the same or the next minor.
fn next_minor(asked: &str, running: &str, lock_path: &Path) -> Result<String, AppError> {
    let bad = |why: String| AppError::Usage {
        message: format!("--kubernetes {asked}: {why}"),
    };
    let Some(from) = minor(running) else {
        return Err(bad(format!(
            "the lock records {running:?}, not a Kubernetes minor version"
        )));
    };
    let next = format!("{}.{}", from.0, from.1 + 1);
    let target = if asked == "next" {
        next.clone()
    } else {
        asked.to_string()
    };
    let Some(to) = minor(&target) else {
        return Err(bad(
            "not a Kubernetes minor version such as 1.35, or `next`".into(),
        ));
    };
    if to < from {
        return Err(bad(format!(
            "the cluster runs Kubernetes {running} ({}); EKS cannot downgrade a cluster (only a new cluster runs an older version)",
            lock_path.display()
        )));
    }
    if to.0 != from.0 || to.1 > from.1 + 1 {
        return Err(bad(format!(
            "the cluster runs Kubernetes {running}; EKS upgrades one minor version at a time: upgrade to {next} first (render, apply), then again"
        )));
    }
    Ok(target)
}

/// One line per version that changes between two locks.
fn changes(old: &Lock, new: &Lock) -> String {
    let mut out = String::new();
    let k8s = |l: &Lock| l.versions.as_ref().map(|v| v.kubernetes.clone());
    if k8s(old) != k8s(new) {
        out.push_str(&format!(
            "kubernetes   {} → {}\n",
            k8s(old).unwrap_or_default(),
            k8s(new).unwrap_or_default()
        ));
    }
    let addons = |l: &Lock| {
        l.versions
            .as_ref()
            .map(|v| v.addons.clone())
            .unwrap_or_default()
    };
    out.push_str(&moved("add-on", &addons(old), &addons(new)));
    let amis = |l: &Lock| -> BTreeMap<String, String> {
        l.node_groups
            .iter()
            .map(|(g, p)| (g.clone(), p.ami_release.clone()))
            .collect()
    };
    out.push_str(&moved("AMI release", &amis(old), &amis(new)));
    out
}

fn moved(what: &str, old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> String {
    new.iter()
        .filter_map(|(k, v)| {
            let before = old.get(k).map_or("(none)", String::as_str);
            (before != v).then(|| format!("{what:<12} {k}: {before} → {v}\n"))
        })
        .collect()
}

/// `text` with the value of its first `kubernetesVersion:` line replaced by `version`
/// (quoted, as YAML needs for `1.30`), keeping indentation, a trailing comment and the line
/// ending.
fn with_kubernetes_version(text: &str, version: &str) -> Option<String> {
    let mut found = false;
    let lines: Vec<String> = text
        .split_inclusive('\n')
        .map(|line| {
            let trimmed = line.trim_start();
            if found || !trimmed.starts_with("kubernetesVersion:") {
                return line.to_string();
            }
            found = true;
            let indent = &line[..line.len() - trimmed.len()];
            let body = line.trim_end_matches(['\n', '\r']);
            let eol = &line[body.len()..];
            let rest = &body[indent.len() + "kubernetesVersion:".len()..];
            let comment = rest.find(" #").map_or("", |i| &rest[i..]);
            format!("{indent}kubernetesVersion: \"{version}\"{comment}{eol}")
        })
        .collect();
    found.then(|| lines.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_version_line() {
        let text = "spec:\n  region: us-west-2\n  kubernetesVersion: '1.34' # pinned\r\n  x: 1\n";
        assert_eq!(
            with_kubernetes_version(text, "1.35").unwrap(),
            "spec:\n  region: us-west-2\n  kubernetesVersion: \"1.35\" # pinned\r\n  x: 1\n"
        );
        assert!(with_kubernetes_version("spec: {}\n", "1.35").is_none());
    }

    #[test]
    fn the_next_minor_only() {
        let lock = Path::new("c.eksgen.lock");
        assert_eq!(next_minor("next", "1.34", lock).unwrap(), "1.35");
        assert_eq!(next_minor("1.35", "1.34", lock).unwrap(), "1.35");
        assert_eq!(next_minor("1.34", "1.34", lock).unwrap(), "1.34");
        for bad in ["1.33", "1.36", "2.0", "latest"] {
            assert!(next_minor(bad, "1.34", lock).is_err(), "{bad}");
        }
        let down = next_minor("1.33", "1.34", lock).unwrap_err().to_string();
        assert!(down.contains("cannot downgrade"), "{down}");
    }
}
