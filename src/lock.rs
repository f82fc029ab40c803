//! The lock file: what a live cluster depends on and a later render must keep, recorded
//! beside the intent (`cluster.yaml` → `cluster.eksgen.lock`).
//!
//! Owns the format only: parsing with validation and deterministic serialization. Pure:
//! the command layer reads the file (size-bounded) and writes it through the one atomic
//! writer (`output::write_file`); `resolve` receives the parsed lock as data.
//!
//! Sections are independent and optional, so later eksgen versions can add their own (pinned
//! versions, say) without a new format version: a section this eksgen does not know is kept
//! as it was read and written back unchanged. Today's section is [`Layout`]: the subnet
//! layout the first render chose, which later renders keep while the intent grows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cidr::Ipv4Cidr;

/// The lock format version this eksgen reads and writes.
pub const LOCK_VERSION: u32 = 1;

/// Largest lock file eksgen reads (a lock of 4,000 subnets is ~200 KB).
pub const MAX_LOCK_BYTES: u64 = 4 * 1024 * 1024;

/// The lock file that belongs to the intent file `intent`, in the same folder:
/// `prod.yaml` → `prod.eksgen.lock`, and the default `eksgen.yaml` → `eksgen.lock`. One lock
/// per intent, so several intents can share a folder.
pub fn path_for(intent: &Path) -> PathBuf {
    let stem = intent
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "eksgen".to_string());
    let name = if stem == "eksgen" {
        "eksgen.lock".to_string()
    } else {
        format!("{stem}.eksgen.lock")
    };
    intent.with_file_name(name)
}

/// The parsed lock. Field order is the serialized order; maps serialize sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lock {
    pub version: u32,
    /// `eksgen <version>` of the run that last wrote it.
    pub generator: String,
    /// The cluster the lock belongs to (a lock is never applied to another cluster).
    pub cluster: String,
    /// The subnet layout, once a render has chosen one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
    /// Sections written by other eksgen versions, kept as read.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The subnet layout in use: where every subnet is and at which position of the VPC
/// module's lists (its resource key, `module.vpc.aws_subnet.private[i]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Layout {
    /// The primary VPC CIDR the layout was made in.
    pub vpc_cidr: String,
    /// The zones in the order of the VPC module's `azs` list: the n-th zone's subnets are
    /// the n-th entries of `private_subnets`, `public_subnets` and `intra_subnets`.
    pub zones: Vec<String>,
    /// Secondary CIDR blocks associated with the VPC, in association order.
    #[serde(default)]
    pub secondary_cidrs: Vec<String>,
    /// Subnet name (`private-us-west-2a`, `public-…`, `pods-…`) → CIDR.
    pub subnets: BTreeMap<String, String>,
}

/// The layout with its CIDRs parsed, as `resolve` uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutPins {
    pub vpc_cidr: Ipv4Cidr,
    pub zones: Vec<String>,
    pub secondary_cidrs: Vec<Ipv4Cidr>,
    pub subnets: BTreeMap<String, Ipv4Cidr>,
}

impl LayoutPins {
    /// The recorded CIDR of the subnet `name`, if any.
    pub fn subnet(&self, name: &str) -> Option<Ipv4Cidr> {
        self.subnets.get(name).copied()
    }
}

impl Layout {
    /// The layout with every CIDR parsed (validated by [`Lock::parse`] already).
    pub fn pins(&self) -> Result<LayoutPins, String> {
        let cidr = |what: &str, s: &str| {
            s.parse::<Ipv4Cidr>()
                .map_err(|e| format!("{what} {s:?} is not a CIDR block ({e})"))
        };
        Ok(LayoutPins {
            vpc_cidr: cidr("layout.vpcCidr", &self.vpc_cidr)?,
            zones: self.zones.clone(),
            secondary_cidrs: self
                .secondary_cidrs
                .iter()
                .map(|s| cidr("layout.secondaryCidrs", s))
                .collect::<Result<_, _>>()?,
            subnets: self
                .subnets
                .iter()
                .map(|(name, s)| Ok((name.clone(), cidr(&format!("layout.subnets.{name}"), s)?)))
                .collect::<Result<_, String>>()?,
        })
    }

    /// The layout a plan uses, to record.
    pub fn of_plan(plan: &crate::plan::Plan) -> Layout {
        Layout {
            vpc_cidr: plan.network.vpc_cidr.to_string(),
            zones: plan.network.availability_zones.clone(),
            secondary_cidrs: plan
                .network
                .secondary_cidrs
                .iter()
                .map(ToString::to_string)
                .collect(),
            subnets: plan
                .network
                .subnets
                .iter()
                .map(|s| (s.name.clone(), s.cidr.to_string()))
                .collect(),
        }
    }
}

impl Lock {
    /// An empty lock for `cluster`, written by this eksgen.
    pub fn new(cluster: &str) -> Lock {
        Lock {
            version: LOCK_VERSION,
            generator: generator(),
            cluster: cluster.to_string(),
            layout: None,
            other: BTreeMap::new(),
        }
    }

    /// Parses and validates lock bytes. The error is a reason for the user, without the
    /// lock's own path (the caller adds it).
    pub fn parse(bytes: &[u8]) -> Result<Lock, String> {
        let lock: Lock =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not a valid lock ({e})"))?;
        if lock.version != LOCK_VERSION {
            return Err(format!(
                "it has version {}, this eksgen understands version {LOCK_VERSION} \
                 (was it written by a newer eksgen?)",
                lock.version
            ));
        }
        if let Some(layout) = &lock.layout {
            layout.pins()?;
        }
        Ok(lock)
    }

    /// This lock with the layout of `plan` recorded (and this eksgen as its writer when
    /// anything changed).
    pub fn with_layout_of(&self, plan: &crate::plan::Plan) -> Lock {
        let mut next = self.clone();
        next.layout = Some(Layout::of_plan(plan));
        if next != *self {
            next.generator = generator();
        }
        next
    }

    /// Pretty JSON with a trailing newline; byte-identical for equal locks.
    pub fn to_json(&self) -> String {
        crate::to_json_pretty(self)
    }
}

fn generator() -> String {
    format!("eksgen {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Lock {
        let mut lock = Lock::new("ml");
        lock.layout = Some(Layout {
            vpc_cidr: "10.0.0.0/16".into(),
            zones: vec!["us-west-2b".into(), "us-west-2a".into()],
            secondary_cidrs: vec![],
            subnets: BTreeMap::from([
                ("private-us-west-2b".into(), "10.0.0.0/19".into()),
                ("private-us-west-2a".into(), "10.0.32.0/19".into()),
            ]),
        });
        lock
    }

    #[test]
    fn lock_path_sits_beside_the_intent() {
        assert_eq!(
            path_for(Path::new("clusters/prod.yaml")),
            Path::new("clusters/prod.eksgen.lock")
        );
        assert_eq!(path_for(Path::new("eksgen.yaml")), Path::new("eksgen.lock"));
    }

    #[test]
    fn round_trips_and_keeps_zone_order() {
        let json = sample().to_json();
        assert_eq!(Lock::parse(json.as_bytes()).unwrap(), sample());
        let pins = sample().layout.unwrap().pins().unwrap();
        assert_eq!(pins.zones, ["us-west-2b", "us-west-2a"]);
        assert!(json.ends_with("}\n"));
    }

    #[test]
    fn unknown_sections_are_kept_as_read() {
        let text = r#"{"version":1,"generator":"eksgen 9","cluster":"ml","versions":{"vpc-cni":"v1.20.0"}}"#;
        let lock = Lock::parse(text.as_bytes()).unwrap();
        assert!(lock.to_json().contains("\"vpc-cni\": \"v1.20.0\""));
    }

    #[test]
    fn rejects_bad_versions_and_cidrs() {
        for bad in [
            r#"{"version":2,"generator":"x","cluster":"ml"}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","layout":{"vpcCidr":"10.0.0.0/33","zones":[],"subnets":{}}}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","layout":{"vpcCidr":"10.0.0.0/16","zones":[],"subnets":{"a":"x"}}}"#,
            "not json",
        ] {
            assert!(Lock::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
