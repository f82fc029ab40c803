//! The releases eksgen knows and pins: EKS AMI releases per AMI family and Kubernetes minor
//! version, EKS add-on versions per Kubernetes minor version (and, later, Helm chart versions).
//!
//! Owns the embedded table (`data/releases.csv`, every row with its source and date), its
//! parse with errors that name the line, the natural version order that decides which
//! release is newest, and the version forms each component uses. [`import`] turns the JSON
//! of `aws ssm get-parameters-by-path` and `aws eks describe-addon-versions` into rows of
//! the same layout, which `--releases FILE` adds to the embedded ones. Pure: text in,
//! lookups out. Which release a cluster uses is decided in `resolve` (the lock keeps it).

pub mod import;

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::plan::AmiFamily;

/// The embedded table.
pub const EMBEDDED_CSV: &str = include_str!("../../../data/releases.csv");

/// The header row of the table (and of what `releases import` writes).
pub const HEADER: [&str; 5] = ["component", "kubernetes", "version", "date", "source"];

/// The EKS add-ons eksgen installs, in the order the Terraform lists them.
pub const ADDONS: [&str; 4] = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns"];

/// The EBS CSI driver add-on, installed (and pinned) only when a group is `zonalStateful`.
pub const EBS_CSI_ADDON: &str = "aws-ebs-csi-driver";

/// Whether the table (and `releases import`) keeps versions of this add-on.
pub fn is_known_addon(name: &str) -> bool {
    ADDONS.contains(&name) || name == EBS_CSI_ADDON
}

/// What a row is the release of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    /// An AMI family's release (EKS AMIs: `1.34.9-20260714`; Bottlerocket: `1.64.0`).
    Ami(AmiFamily),
    /// An EKS add-on version (`v1.21.1-eksbuild.3`).
    Addon(String),
    /// A Helm chart version: read and listed, not used by any output yet.
    Chart(String),
}

impl Ord for Component {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Component {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Component {
    /// AMIs first (in the table's family order), then add-ons, then charts.
    fn sort_key(&self) -> (u8, &str) {
        match self {
            Component::Ami(AmiFamily::Al2023) => (0, ""),
            Component::Ami(AmiFamily::Al2) => (1, ""),
            Component::Ami(AmiFamily::Bottlerocket) => (2, ""),
            Component::Addon(name) => (3, name.as_str()),
            Component::Chart(name) => (4, name.as_str()),
        }
    }

    /// Parses `ami/al2023`, `addon/vpc-cni`, `chart/karpenter`.
    pub fn parse(s: &str) -> Option<Component> {
        let (kind, name) = s.split_once('/')?;
        match kind {
            "ami" => match name {
                "al2023" => Some(Component::Ami(AmiFamily::Al2023)),
                "al2" => Some(Component::Ami(AmiFamily::Al2)),
                "bottlerocket" => Some(Component::Ami(AmiFamily::Bottlerocket)),
                _ => None,
            },
            "addon" if is_known_addon(name) => Some(Component::Addon(name.to_string())),
            "chart" if is_name(name) => Some(Component::Chart(name.to_string())),
            _ => None,
        }
    }

    /// Whether `version` has this component's form (for EKS AMIs, of Kubernetes `k8s`).
    pub fn accepts(&self, k8s: &str, version: &str) -> bool {
        match self {
            Component::Ami(AmiFamily::Al2023 | AmiFamily::Al2) => {
                eks_ami_date(version).is_some()
                    && version
                        .strip_prefix(k8s)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
            Component::Ami(AmiFamily::Bottlerocket) => is_bottlerocket_version(version),
            Component::Addon(_) => {
                version.starts_with('v') && version.contains("-eksbuild.") && is_version(version)
            }
            Component::Chart(_) => is_version(version),
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Component::Ami(family) => write!(f, "ami/{}", family.as_str()),
            Component::Addon(name) => write!(f, "addon/{name}"),
            Component::Chart(name) => write!(f, "chart/{name}"),
        }
    }
}

/// One row: a release of a component for a Kubernetes minor version (`*` for charts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    #[serde(serialize_with = "as_display")]
    pub component: Component,
    pub kubernetes: String,
    pub version: String,
    /// `YYYY-MM-DD`: the release day where the source gives one, else the day it was read.
    pub date: String,
    pub source: String,
}

fn as_display<S: serde::Serializer>(c: &Component, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(c)
}

/// The CSV cells of a row, by header name.
#[derive(Debug, Deserialize)]
struct CsvRow {
    component: String,
    kubernetes: String,
    version: String,
    date: String,
    source: String,
}

/// A table that does not parse: which file, which line, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct ReleasesError {
    pub origin: String,
    pub line: u64,
    pub message: String,
}

/// The known releases, ordered by component, Kubernetes version and version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Releases {
    rows: Vec<Release>,
}

static EMBEDDED: LazyLock<Releases> = LazyLock::new(|| {
    // The embedded table is checked by tests; a failure here is a build defect.
    Releases::parse(EMBEDDED_CSV, "data/releases.csv").expect("embedded releases parse")
});

impl Releases {
    /// The table compiled into this eksgen.
    pub fn embedded() -> &'static Releases {
        &EMBEDDED
    }

    /// Parses the layout of `data/releases.csv`: `#` comment lines, the header row, then
    /// one release per row. Every row must name its source and date; a version must have
    /// its component's form (no `latest`, no `recommended`).
    pub fn parse(text: &str, origin: &str) -> Result<Releases, ReleasesError> {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let fail = |line: u64, message: String| ReleasesError {
            origin: origin.to_string(),
            line,
            message,
        };
        let header = reader
            .headers()
            .map_err(|e| fail(1, format!("no header row ({e})")))?
            .clone();
        if header.iter().collect::<Vec<_>>() != HEADER {
            return Err(fail(
                header.position().map_or(1, |p| p.line()),
                format!("the header row must be `{}`", HEADER.join(",")),
            ));
        }
        let mut table = Releases::default();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                fail(line, e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let row: CsvRow = record
                .deserialize(Some(&header))
                .map_err(|e| fail(line, e.to_string()))?;
            let release = Release::from_row(row).map_err(|m| fail(line, m))?;
            if table.rows.iter().any(|r| r.same_release(&release)) {
                return Err(fail(
                    line,
                    format!(
                        "{} {} {} is listed twice",
                        release.component, release.kubernetes, release.version
                    ),
                ));
            }
            table.rows.push(release);
        }
        table.sort();
        Ok(table)
    }

    /// Adds `other`'s rows; a row for a release already known replaces it (its source and
    /// date are the newer reading).
    pub fn extend(&mut self, other: Releases) {
        for row in other.rows {
            self.rows.retain(|r| !r.same_release(&row));
            self.rows.push(row);
        }
        self.sort();
    }

    pub fn rows(&self) -> &[Release] {
        &self.rows
    }

    /// The newest release of `component` for Kubernetes `k8s` that `usable` accepts.
    pub fn newest(
        &self,
        component: &Component,
        k8s: &str,
        usable: impl Fn(&str) -> bool,
    ) -> Option<&Release> {
        self.rows
            .iter()
            .filter(|r| r.component == *component && (r.kubernetes == k8s || r.kubernetes == "*"))
            .filter(|r| usable(&r.version))
            .max_by(|a, b| compare_versions(&a.version, &b.version))
    }

    /// The table as CSV in the embedded layout (header, then the rows).
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = w.write_record(HEADER);
        for r in &self.rows {
            let component = r.component.to_string();
            let _ = w.write_record([
                component.as_str(),
                r.kubernetes.as_str(),
                r.version.as_str(),
                r.date.as_str(),
                r.source.as_str(),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    fn sort(&mut self) {
        self.rows.sort_by(|a, b| {
            a.component
                .cmp(&b.component)
                .then_with(|| minor(&a.kubernetes).cmp(&minor(&b.kubernetes)))
                .then_with(|| compare_versions(&a.version, &b.version))
        });
    }

    /// A table of the given rows (checked as a parse would check them).
    pub fn from_rows(rows: Vec<Release>) -> Releases {
        let mut table = Releases::default();
        table.extend(Releases { rows });
        table
    }
}

impl Release {
    fn from_row(row: CsvRow) -> Result<Release, String> {
        let component = Component::parse(&row.component).ok_or_else(|| {
            format!(
                "unknown component {:?} (ami/al2023, ami/al2, ami/bottlerocket, addon/{}, chart/<name>)",
                row.component,
                ADDONS
                    .iter()
                    .chain([&EBS_CSI_ADDON])
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", addon/")
            )
        })?;
        let any_version = matches!(component, Component::Chart(_)) && row.kubernetes == "*";
        if !any_version && minor(&row.kubernetes).is_none() {
            return Err(format!(
                "kubernetes {:?} is not a Kubernetes minor version such as 1.34",
                row.kubernetes
            ));
        }
        if !component.accepts(&row.kubernetes, &row.version) {
            return Err(format!(
                "version {:?} is not a pinned {component} release for Kubernetes {}",
                row.version, row.kubernetes
            ));
        }
        if !is_date(&row.date) {
            return Err(format!("date {:?} is not YYYY-MM-DD", row.date));
        }
        if row.source.trim().is_empty() {
            return Err("the source is empty: every row says where it was read".into());
        }
        Ok(Release {
            component,
            kubernetes: row.kubernetes,
            version: row.version,
            date: row.date,
            source: row.source.trim().to_string(),
        })
    }

    fn same_release(&self, other: &Release) -> bool {
        self.component == other.component
            && self.kubernetes == other.kubernetes
            && self.version == other.version
    }
}

/// A Kubernetes minor version as numbers (`1.34` → `(1, 34)`).
pub fn minor(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('.')?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    if !(digits(a) && digits(b)) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Natural version order: runs of digits compare as numbers, everything else as text, so
/// `v1.34.6-eksbuild.13` is newer than `v1.34.6-eksbuild.2` and `1.64.0` than `1.51.0-4743`.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let ord = match (x, y) {
            ((true, p), (true, q)) => {
                let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                p.len().cmp(&q.len()).then(p.cmp(q))
            }
            ((_, p), (_, q)) => p.cmp(q),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}

/// A pinned version: letters, digits, `.`, `-`, `_`, starting with a digit or `v` and a
/// digit, at most 64 characters (so never `latest` or `recommended`).
pub fn is_version(s: &str) -> bool {
    let body = s.strip_prefix('v').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 64
        && body.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

/// The AMI date of an EKS AMI release (`1.34.9-20260714` → `20260714`): what its AMI
/// names, SSM parameters and the Karpenter alias (`al2023@v20260714`) carry.
pub fn eks_ami_date(release: &str) -> Option<&str> {
    let (version, date) = release.rsplit_once('-')?;
    let numbers = version.split('.').collect::<Vec<_>>();
    (numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
        && date.len() == 8
        && date.bytes().all(|c| c.is_ascii_digit()))
    .then_some(date)
}

/// `1.64.0` or `1.51.0-47438798` (the second form is how EKS names a Bottlerocket release).
pub fn is_bottlerocket_version(s: &str) -> bool {
    let (semver, build) = match s.split_once('-') {
        Some((v, b)) => (v, Some(b)),
        None => (s, None),
    };
    let numbers = semver.split('.').collect::<Vec<_>>();
    numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
        && build
            .is_none_or(|b| (6..=40).contains(&b.len()) && b.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// The Bottlerocket version without the build (`1.51.0-47438798` → `1.51.0`): what SSM
/// parameter paths and the Karpenter alias use.
pub fn bottlerocket_semver(release: &str) -> &str {
    release.split_once('-').map_or(release, |(v, _)| v)
}

/// Whether a Bottlerocket release carries its build, as a managed node group's
/// `release_version` must (`1.51.0-47438798`).
pub fn bottlerocket_has_build(release: &str) -> bool {
    is_bottlerocket_version(release) && release.contains('-')
}

/// `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Kubernetes versions EKS supports on the as-of date (`data/eks-versions.csv`).
    const SUPPORTED: [&str; 5] = ["1.32", "1.33", "1.34", "1.35", "1.36"];

    #[test]
    fn embedded_table_parses_and_every_row_names_its_source() {
        let table = Releases::parse(EMBEDDED_CSV, "data/releases.csv").unwrap();
        assert!(table.rows().iter().all(|r| !r.source.is_empty()));
        for k8s in SUPPORTED {
            for family in [AmiFamily::Al2023, AmiFamily::Bottlerocket] {
                assert!(
                    table
                        .newest(&Component::Ami(family), k8s, |_| true)
                        .is_some(),
                    "{family:?} {k8s}"
                );
            }
        }
        assert!(
            table
                .newest(&Component::Ami(AmiFamily::Al2), "1.33", |_| true)
                .is_none(),
            "no EKS AL2 AMIs after Kubernetes 1.32"
        );
        // Add-ons are known for the versions presets and fixtures use; 1.36 is a known gap.
        for k8s in ["1.32", "1.33", "1.34", "1.35"] {
            for a in ADDONS {
                assert!(
                    table
                        .newest(&Component::Addon(a.into()), k8s, |_| true)
                        .is_some(),
                    "{a} {k8s}"
                );
            }
        }
    }

    #[test]
    fn newest_follows_natural_version_order() {
        let t = Releases::embedded();
        let newest = |c: Component, k8s| t.newest(&c, k8s, |_| true).unwrap().version.as_str();
        assert_eq!(
            newest(Component::Ami(AmiFamily::Al2023), "1.34"),
            "1.34.9-20260714"
        );
        assert_eq!(
            newest(Component::Addon("coredns".into()), "1.34"),
            "v1.13.2-eksbuild.7"
        );
        assert_eq!(
            newest(Component::Ami(AmiFamily::Bottlerocket), "1.34"),
            "1.64.0"
        );
        // A managed group on the EKS AMI needs the build: the newest with one.
        assert_eq!(
            t.newest(
                &Component::Ami(AmiFamily::Bottlerocket),
                "1.34",
                bottlerocket_has_build
            )
            .unwrap()
            .version,
            "1.51.0-47438798"
        );
    }

    #[test]
    fn version_order_table() {
        for (a, b) in [
            ("v1.34.6-eksbuild.2", "v1.34.6-eksbuild.13"),
            ("1.34.9-20260625", "1.34.9-20260714"),
            ("1.51.0-47438798", "1.64.0"),
            ("v1.9.0", "v1.10.0"),
            ("1.2", "1.2.0"),
        ] {
            assert_eq!(compare_versions(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(compare_versions(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(compare_versions("v01.2", "v1.2"), Ordering::Equal);
    }

    #[test]
    fn rejects_floating_undated_and_unsourced_rows() {
        let head = "component,kubernetes,version,date,source\n";
        for bad in [
            "ami/al2023,1.34,latest,2026-07-14,x",
            "ami/al2023,1.34,recommended,2026-07-14,x",
            "ami/al2023,1.34,1.33.9-20260714,2026-07-14,x",
            "ami/bottlerocket,1.34,v1.64.0,2026-08-05,x",
            "addon/coredns,1.34,v1.13.2,2026-12-02,x",
            "addon/unknown,1.34,v1.0.0-eksbuild.1,2026-12-02,x",
            "ami/al2023,1.x,1.34.9-20260714,2026-07-14,x",
            "ami/al2023,1.34,1.34.9-20260714,July,x",
            "ami/al2023,1.34,1.34.9-20260714,2026-07-14,",
            "ami/al2023,1.34,1.34.9-20260714,2026-07-14",
            "chart/karpenter,1.34,latest,2026-07-14,x",
        ] {
            let err = Releases::parse(&format!("{head}{bad}\n"), "r.csv").unwrap_err();
            assert_eq!(err.line, 2, "{bad}: {err}");
            assert!(err.to_string().starts_with("r.csv:2: "), "{err}");
        }
        let dup = format!(
            "{head}addon/coredns,1.34,v1.0.0-eksbuild.1,2026-12-02,a\naddon/coredns,1.34,v1.0.0-eksbuild.1,2026-12-02,b\n"
        );
        assert_eq!(Releases::parse(&dup, "r.csv").unwrap_err().line, 3);
        assert!(Releases::parse("a,b\n", "r.csv").is_err());
        // Charts may hold one version for every Kubernetes version.
        let chart = format!("{head}chart/karpenter,*,1.14.1,2026-11-01,x\n");
        let t = Releases::parse(&chart, "r.csv").unwrap();
        assert!(
            t.newest(&Component::Chart("karpenter".into()), "1.34", |_| true)
                .is_some()
        );
    }

    #[test]
    fn an_overlay_row_replaces_the_same_release() {
        let mut t = Releases::embedded().clone();
        let before = t.rows().len();
        let overlay = Releases::parse(
            "component,kubernetes,version,date,source\nami/al2023,1.34,1.34.9-20260714,2026-07-15,import\nami/al2023,1.34,1.34.10-20260801,2026-08-01,import\n",
            "o.csv",
        )
        .unwrap();
        t.extend(overlay);
        assert_eq!(t.rows().len(), before + 1);
        let newest = t
            .newest(&Component::Ami(AmiFamily::Al2023), "1.34", |_| true)
            .unwrap();
        assert_eq!(newest.version, "1.34.10-20260801");
        let back = Releases::parse(&t.to_csv(), "round trip").unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn ami_version_forms() {
        assert_eq!(eks_ami_date("1.34.9-20260714"), Some("20260714"));
        assert_eq!(eks_ami_date("1.64.0"), None);
        assert_eq!(eks_ami_date("1.34.9-2026071"), None);
        assert!(is_bottlerocket_version("1.64.0"));
        assert!(is_bottlerocket_version("1.51.0-47438798"));
        assert!(!is_bottlerocket_version("v1.64.0"));
        assert!(!is_bottlerocket_version("1.64"));
        assert_eq!(bottlerocket_semver("1.51.0-47438798"), "1.51.0");
        assert!(bottlerocket_has_build("1.51.0-47438798"));
        assert!(!bottlerocket_has_build("1.64.0"));
        assert!(!is_version("latest") && !is_version("recommended") && !is_version(""));
    }
}
