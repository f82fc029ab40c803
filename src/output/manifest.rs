//! `.eksgen/manifest.json`: which files eksgen generated (with their sha256) and the plan
//! numbers of the last render.
//!
//! Owns the format: parsing with validation (every path is checked like a rendered path,
//! every hash must be 64 lowercase hex digits, so a tampered manifest cannot point outside
//! the output folder) and deterministic serialization (sorted keys, no timestamps). Pure:
//! reading and writing the file is `fs`'s job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::path;

/// Where the manifest lives, relative to the output folder.
pub const MANIFEST_PATH: &str = ".eksgen/manifest.json";

/// The manifest format version this eksgen reads and writes.
pub const MANIFEST_VERSION: u32 = 1;

/// The parsed manifest. Field order is the serialized order; maps serialize sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    /// `eksgen <version>` of the run that wrote it.
    pub generator: String,
    /// Relative path → lowercase hex sha256 of the content eksgen wrote.
    pub files: BTreeMap<String, String>,
    /// Flat plan numbers recorded for the next diff.
    #[serde(default)]
    pub numbers: BTreeMap<String, String>,
    /// Flat plan facts (`report::diff::impact::fields`) the next diff classifies changes
    /// by: what AWS and Terraform would do with them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl Manifest {
    /// A manifest written by this eksgen.
    pub fn new(files: BTreeMap<String, String>, numbers: BTreeMap<String, String>) -> Manifest {
        Manifest {
            version: MANIFEST_VERSION,
            generator: format!("eksgen {}", env!("CARGO_PKG_VERSION")),
            files,
            numbers,
            fields: BTreeMap::new(),
        }
    }

    /// This manifest with the plan facts `fields` recorded.
    pub fn with_fields(mut self, fields: BTreeMap<String, String>) -> Manifest {
        self.fields = fields;
        self
    }

    /// Parses and validates manifest bytes. The error is a reason for the user, without
    /// the manifest's own path (the caller adds it).
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        let manifest: Manifest =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not valid JSON ({e})"))?;
        if manifest.version != MANIFEST_VERSION {
            return Err(format!(
                "it has version {}, this eksgen understands version {MANIFEST_VERSION} \
                 (was it written by a newer eksgen?)",
                manifest.version
            ));
        }
        for (file, hash) in &manifest.files {
            path::check(file)
                .map_err(|problem| format!("it lists the path {file:?}: {problem}"))?;
            if !is_sha256_hex(hash) {
                return Err(format!(
                    "the hash recorded for {file:?} is not 64 lowercase hex digits"
                ));
            }
        }
        Ok(manifest)
    }

    /// Pretty JSON with a trailing newline; byte-identical for equal manifests.
    pub fn to_json(&self) -> String {
        crate::to_json_pretty(self)
    }
}

/// Where an apply in progress records what it may leave behind, relative to the output
/// folder. Written before the first file changes, removed after the manifest is written:
/// if it exists, a render was interrupted.
pub const JOURNAL_PATH: &str = ".eksgen/journal.json";

/// The journal of an apply: every path it may touch, with every content eksgen may have
/// left there (the last manifest's, an earlier interrupted render's, this render's). The
/// next run counts any of them as generated, so a crash never turns eksgen's own files into
/// "edited by hand", and it finishes the job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    /// Relative path → lowercase hex sha256 of each content eksgen may have left there.
    pub files: BTreeMap<String, std::collections::BTreeSet<String>>,
}

impl Journal {
    /// Parses and validates journal bytes, like [`Manifest::parse`].
    pub fn parse(bytes: &[u8]) -> Result<Journal, String> {
        let journal: Journal =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not valid JSON ({e})"))?;
        if journal.version != MANIFEST_VERSION {
            return Err(format!(
                "it has version {}, this eksgen understands version {MANIFEST_VERSION}",
                journal.version
            ));
        }
        for (file, hashes) in &journal.files {
            path::check(file)
                .map_err(|problem| format!("it lists the path {file:?}: {problem}"))?;
            if !hashes.iter().all(|h| is_sha256_hex(h)) {
                return Err(format!(
                    "a hash recorded for {file:?} is not 64 lowercase hex digits"
                ));
            }
        }
        Ok(journal)
    }

    /// Records that `path` may hold content with hash `sha`.
    pub fn add(&mut self, path: &str, sha: &str) {
        self.version = MANIFEST_VERSION;
        self.files
            .entry(path.to_string())
            .or_default()
            .insert(sha.to_string());
    }

    pub fn to_json(&self) -> String {
        crate::to_json_pretty(self)
    }
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let files = BTreeMap::from([
            ("z.tf".to_string(), sha256_hex(b"z")),
            ("a/b.yaml".to_string(), sha256_hex(b"b")),
        ]);
        let numbers = BTreeMap::from([
            ("nodeGroups.train.maxPods".to_string(), "100".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        Manifest::new(files, numbers)
    }

    #[test]
    fn journal_round_trips_and_rejects_unsafe_paths() {
        let mut j = Journal::default();
        j.add("main.tf", &sha256_hex(b"a"));
        j.add("main.tf", &sha256_hex(b"b"));
        assert_eq!(Journal::parse(j.to_json().as_bytes()).unwrap(), j);
        let bad = format!(
            r#"{{"version":1,"files":{{"../x":["{}"]}}}}"#,
            sha256_hex(b"a")
        );
        assert!(Journal::parse(bad.as_bytes()).is_err());
    }

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn json_is_sorted_deterministic_and_round_trips() {
        let json = sample().to_json();
        assert_eq!(json, sample().to_json());
        assert!(json.starts_with("{\n  \"version\": 1,\n  \"generator\": \"eksgen "));
        assert!(json.find("a/b.yaml").unwrap() < json.find("z.tf").unwrap());
        assert!(json.find("\"b\"").unwrap() < json.find("nodeGroups").unwrap());
        assert!(json.ends_with("}\n"));
        assert_eq!(Manifest::parse(json.as_bytes()).unwrap(), sample());
    }

    #[test]
    fn rejects_unsafe_paths_bad_hashes_and_versions() {
        let hash = sha256_hex(b"x");
        let bad = [
            format!(r#"{{"version":1,"generator":"x","files":{{"../../etc/passwd":"{hash}"}}}}"#),
            format!(r#"{{"version":1,"generator":"x","files":{{"/etc/passwd":"{hash}"}}}}"#),
            r#"{"version":1,"generator":"x","files":{"main.tf":"abc"}}"#.to_string(),
            format!(r#"{{"version":2,"generator":"x","files":{{"main.tf":"{hash}"}}}}"#),
            "not json".to_string(),
        ];
        for text in bad {
            assert!(Manifest::parse(text.as_bytes()).is_err(), "{text}");
        }
        let ok = format!(r#"{{"version":1,"generator":"x","files":{{"main.tf":"{hash}"}}}}"#);
        assert!(Manifest::parse(ok.as_bytes()).unwrap().numbers.is_empty());
    }
}
