//! Validation of the relative paths eksgen writes, reads or removes below the output
//! folder (from the render stage and from the manifest alike).
//!
//! Owns the rules only; pure, touches no file. A path that passes [`check`] has no way to
//! name anything outside the output folder by itself (symbolic links on disk are the job
//! of `fs`).

use std::fmt;

/// The folder below the output folder that holds eksgen's own bookkeeping. Rendered files
/// may not live there.
pub const STATE_DIR: &str = ".eksgen";

/// Longest file or folder name accepted (the common file system limit, in bytes).
const MAX_COMPONENT_BYTES: usize = 255;

/// Why a relative path was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    Empty,
    Absolute,
    Backslash,
    ControlCharacter,
    Colon,
    EmptyComponent,
    DotComponent,
    ParentComponent,
    Reserved,
    ComponentTooLong,
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathProblem::Empty => "the path is empty",
            PathProblem::Absolute => "absolute paths are not allowed",
            PathProblem::Backslash => "backslashes are not allowed (use '/')",
            PathProblem::ControlCharacter => "control characters (such as NUL) are not allowed",
            PathProblem::Colon => "':' is not allowed (drive letters and streams on Windows)",
            PathProblem::EmptyComponent => "empty path components ('//' or a trailing '/')",
            PathProblem::DotComponent => "'.' components are not allowed",
            PathProblem::ParentComponent => "'..' components are not allowed",
            PathProblem::Reserved => "the .eksgen folder is reserved for eksgen's manifest",
            PathProblem::ComponentTooLong => "a path component is longer than 255 bytes",
        })
    }
}

/// Checks one relative path as used in [`super::Rendered`] and in the manifest:
/// `/`-separated, below the output folder, nothing clever.
pub fn check(path: &str) -> Result<(), PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.starts_with('/') {
        return Err(PathProblem::Absolute);
    }
    if path.contains('\\') {
        return Err(PathProblem::Backslash);
    }
    if path.chars().any(char::is_control) {
        return Err(PathProblem::ControlCharacter);
    }
    if path.contains(':') {
        return Err(PathProblem::Colon);
    }
    for (i, component) in path.split('/').enumerate() {
        match component {
            "" => return Err(PathProblem::EmptyComponent),
            "." => return Err(PathProblem::DotComponent),
            ".." => return Err(PathProblem::ParentComponent),
            STATE_DIR if i == 0 => return Err(PathProblem::Reserved),
            c if c.len() > MAX_COMPONENT_BYTES => return Err(PathProblem::ComponentTooLong),
            _ => {}
        }
    }
    Ok(())
}

/// Whether the renderer can produce `path` at all: the root module's `.tf` files (by their
/// template names, `registry.tf` among them) and the ENIConfig template earlier releases wrote (so a re-render
/// removes it now that the vpc-cni add-on creates the ENIConfigs), and `karpenter/`, `workloads/` and
/// `device-plugins/` YAML. A manifest entry outside this set is never removed, so a
/// tampered manifest cannot make eksgen delete `terraform.tfstate` or a user's `main.tf`.
/// A renderer that produces a new kind of path must be added here (a test renders every
/// preset and checks each path against this).
pub fn could_be_generated(path: &str) -> bool {
    /// Written by releases before the ENIConfigs moved into the vpc-cni add-on.
    const LEGACY_ENICONFIG_TEMPLATE: &str = "eniconfigs.yaml.tftpl";
    if check(path).is_err() {
        return false;
    }
    let root_names = crate::render::terraform::TEMPLATES
        .iter()
        .filter_map(|(name, _)| name.strip_prefix("terraform/"))
        .filter(|name| name.ends_with(".tf"))
        .chain([LEGACY_ENICONFIG_TEMPLATE]);
    match path.split_once('/') {
        None => root_names.into_iter().any(|name| name == path),
        Some((folder, name)) => {
            !name.contains('/')
                && !name.starts_with('.')
                && match folder {
                    "karpenter" | "workloads" => name.ends_with(".yaml"),
                    "device-plugins" | "helm" => name.ends_with("-values.yaml"),
                    _ => false,
                }
        }
    }
}

/// Whether a file name has the shape of eksgen's temp files (`.<name>.eksgen-XXXXXX.tmp`,
/// six random letters or digits): left behind only by a run that was killed.
pub fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|r| r.strip_suffix(".tmp")) else {
        return false;
    };
    match rest.rsplit_once(".eksgen-") {
        Some((target, random)) => {
            !target.is_empty()
                && random.len() == 6
                && random.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// The folders a (checked) path lives in, outermost first: `a/b/c.tf` → `a`, `a/b`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_relative_paths() {
        for ok in [
            "main.tf",
            "karpenter/gpu.yaml",
            "workloads/train.yaml",
            ".gitignore",
            "a/.eksgen/x",
            "..foo",
            "x..y/z",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_unsafe_paths() {
        let long = "x".repeat(256);
        let cases: &[(&str, PathProblem)] = &[
            ("", PathProblem::Empty),
            ("/etc/passwd", PathProblem::Absolute),
            ("../main.tf", PathProblem::ParentComponent),
            ("a/../../etc/passwd", PathProblem::ParentComponent),
            ("a/..", PathProblem::ParentComponent),
            ("./main.tf", PathProblem::DotComponent),
            ("a//b.tf", PathProblem::EmptyComponent),
            ("a/", PathProblem::EmptyComponent),
            ("a\\b.tf", PathProblem::Backslash),
            ("..\\..\\x", PathProblem::Backslash),
            ("main\0.tf", PathProblem::ControlCharacter),
            ("main\n.tf", PathProblem::ControlCharacter),
            ("line\u{1b}[31m", PathProblem::ControlCharacter),
            ("C:/Windows/x", PathProblem::Colon),
            (".eksgen/manifest.json", PathProblem::Reserved),
            (".eksgen", PathProblem::Reserved),
            (&long, PathProblem::ComponentTooLong),
        ];
        for (path, problem) in cases {
            assert_eq!(check(path), Err(*problem), "{path:?}");
        }
    }

    #[test]
    fn only_renderer_paths_count_as_generated() {
        for yes in [
            "eks.tf",
            "vpc.tf",
            // The ECR copy rule (registry.tf), rendered when the intent's registry is copied in.
            "registry.tf",
            "eniconfigs.yaml.tftpl",
            "karpenter/gpu.yaml",
            "workloads/train.yaml",
            "device-plugins/nvidia-values.yaml",
            "helm/cluster-autoscaler-values.yaml",
            "helm.tf",
            "workloads/nb.storage.yaml",
            "workloads/default-deny.network-policy.yaml",
        ] {
            assert!(could_be_generated(yes), "{yes}");
        }
        for no in [
            "terraform.tfstate",
            "main.tf",
            "backend.tf",
            ".terraform.lock.hcl",
            "karpenter/x.tf",
            "workloads/a/b.yaml",
            "other/x.yaml",
            "helm/x.yaml",
            "../eks.tf",
        ] {
            assert!(!could_be_generated(no), "{no}");
        }
    }

    #[test]
    fn temp_names_match_only_eksgens_pattern() {
        assert!(is_temp_name(".eks.tf.eksgen-a1B2c3.tmp"));
        assert!(is_temp_name(".manifest.json.eksgen-zzzzzz.tmp"));
        for no in [
            ".eks.tf.eksgen-a1B2c.tmp",
            "eks.tf.eksgen-a1B2c3.tmp",
            ".eksgen-a1B2c3.tmp",
            ".x.eksgen-a1B2c3.tmpx",
            ".x.tmp",
        ] {
            assert!(!is_temp_name(no), "{no}");
        }
    }

    #[test]
    fn ancestors_outermost_first() {
        assert_eq!(ancestors("a/b/c.tf").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(ancestors("main.tf").count(), 0);
    }
}
