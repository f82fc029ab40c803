//! The lock file: what a live cluster depends on and a later render must keep, recorded
//! beside the intent (`cluster.yaml` → `cluster.eksgen.lock`).
//!
//! Owns the format only: parsing with validation and deterministic serialization. Pure:
//! the command layer reads the file (size-bounded) and writes it through the one atomic
//! writer (`output::write_file`); `resolve` receives the parsed lock as data.
//!
//! Sections are independent and optional, so later eksgen versions can add their own
//! without a new format version: a section this eksgen does not know is kept as it was read
//! and written back unchanged. Today's sections:
//! - [`Layout`]: the subnet layout the first render chose, which later renders keep while
//!   the intent grows;
//! - [`Versions`]: the Kubernetes version and the add-on versions the output pins;
//! - `nodeGroups` ([`GroupPin`]): per node group, the AMI release the output pins and the
//!   path its AMI takes (EKS AMI or custom AMI by id), which later renders keep: moving a
//!   managed group between the two paths replaces it.
//!
//! [`Pins`] is what `resolve` receives: the parsed sections, minus what the user asked to
//! redo (`--relayout`, `--change-ami-path`, `eksgen upgrade`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::releases::{self, Component};
use crate::cidr::Ipv4Cidr;
use crate::plan::MaxPodsPath;

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
    /// The Kubernetes and add-on versions, once a render has recorded them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Versions>,
    /// Per node group: its AMI release and AMI path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_groups: BTreeMap<String, GroupPin>,
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

/// The versions in use: the Kubernetes minor version the cluster runs and each EKS add-on's
/// `addon_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Versions {
    /// The Kubernetes minor version (`1.34`). A later intent may name the next minor (an
    /// upgrade), never an older one.
    pub kubernetes: String,
    /// Add-on name → version (`coredns` → `v1.13.2-eksbuild.7`).
    #[serde(default)]
    pub addons: BTreeMap<String, String>,
}

/// One node group's pins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupPin {
    /// How the group's AMI and max pods reach the nodes (`eks-ami`, `custom-ami`,
    /// `self-managed`, `karpenter`): a managed group keeps its path.
    pub ami_path: MaxPodsPath,
    /// The AMI release (`1.34.9-20260714`; Bottlerocket `1.64.0` or `1.51.0-47438798`).
    pub ami_release: String,
}

/// What `resolve` keeps from a lock: the subnet layout, the Kubernetes and add-on
/// versions, each group's AMI release and path. Empty without a lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pins {
    pub layout: Option<LayoutPins>,
    /// The Kubernetes minor version the cluster runs.
    pub kubernetes: Option<String>,
    /// Add-on name → version, for [`Pins::kubernetes`].
    pub addons: BTreeMap<String, String>,
    /// Node group → AMI release, for [`Pins::kubernetes`].
    pub ami_releases: BTreeMap<String, String>,
    /// Node group → AMI path.
    pub ami_paths: BTreeMap<String, MaxPodsPath>,
}

impl Pins {
    /// The pins of `lock`. `relayout` drops the layout; `change_ami_path` drops the
    /// recorded AMI paths (their releases stay).
    pub fn of(lock: &Lock, relayout: bool, change_ami_path: bool) -> Result<Pins, String> {
        Ok(Pins {
            layout: match &lock.layout {
                Some(l) if !relayout => Some(l.pins()?),
                _ => None,
            },
            kubernetes: lock.versions.as_ref().map(|v| v.kubernetes.clone()),
            addons: lock
                .versions
                .as_ref()
                .map(|v| v.addons.clone())
                .unwrap_or_default(),
            ami_releases: lock
                .node_groups
                .iter()
                .map(|(name, p)| (name.clone(), p.ami_release.clone()))
                .collect(),
            ami_paths: if change_ami_path {
                BTreeMap::new()
            } else {
                lock.node_groups
                    .iter()
                    .map(|(name, p)| (name.clone(), p.ami_path))
                    .collect()
            },
        })
    }

    /// The recorded AMI path of the group `name`, if any.
    pub fn ami_path(&self, name: &str) -> Option<MaxPodsPath> {
        self.ami_paths.get(name).copied()
    }

    /// The recorded AMI release of the group `name`, when it belongs to Kubernetes `k8s`
    /// (after an upgrade the recorded releases are the old version's).
    pub fn ami_release(&self, name: &str, k8s: &str) -> Option<&str> {
        self.kubernetes_is(k8s)
            .then(|| self.ami_releases.get(name).map(String::as_str))
            .flatten()
    }

    /// The recorded version of the add-on `name`, when it belongs to Kubernetes `k8s`.
    pub fn addon(&self, name: &str, k8s: &str) -> Option<&str> {
        self.kubernetes_is(k8s)
            .then(|| self.addons.get(name).map(String::as_str))
            .flatten()
    }

    fn kubernetes_is(&self, k8s: &str) -> bool {
        self.kubernetes.as_deref() == Some(k8s)
    }
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

impl Versions {
    fn validate(&self) -> Result<(), String> {
        if releases::minor(&self.kubernetes).is_none() {
            return Err(format!(
                "versions.kubernetes {:?} is not a Kubernetes minor version such as 1.34",
                self.kubernetes
            ));
        }
        for (name, version) in &self.addons {
            let component = Component::parse(&format!("addon/{name}")).ok_or_else(|| {
                format!(
                    "versions.addons.{name}: eksgen installs no add-on of that name ({})",
                    releases::ADDONS.join(", ")
                )
            })?;
            if !component.accepts(&self.kubernetes, version) {
                return Err(format!(
                    "versions.addons.{name} {version:?} is not a pinned add-on version (such as v1.13.2-eksbuild.7)"
                ));
            }
        }
        Ok(())
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
            versions: None,
            node_groups: BTreeMap::new(),
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
        if let Some(versions) = &lock.versions {
            versions.validate()?;
        }
        for (name, pin) in &lock.node_groups {
            if !releases::is_version(&pin.ami_release) {
                return Err(format!(
                    "nodeGroups.{name}.amiRelease {:?} is not a pinned AMI release (such as 1.34.9-20260714 or 1.64.0)",
                    pin.ami_release
                ));
            }
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

    /// This lock with the versions, AMI releases and AMI paths of `plan` recorded (groups
    /// that left the plan are dropped).
    pub fn with_versions_of(&self, plan: &crate::plan::Plan) -> Lock {
        let mut next = self.clone();
        next.versions = Some(Versions {
            kubernetes: plan.kubernetes_version.clone(),
            addons: plan.addon_versions.clone(),
        });
        next.node_groups = plan
            .node_groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    GroupPin {
                        ami_path: g.max_pods_delivery.path,
                        ami_release: g.ami.release.clone(),
                    },
                )
            })
            .collect();
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
        let text = r#"{"version":1,"generator":"eksgen 9","cluster":"ml","charts":{"karpenter":"1.14.1"}}"#;
        let lock = Lock::parse(text.as_bytes()).unwrap();
        assert!(lock.to_json().contains("\"karpenter\": \"1.14.1\""));
    }

    #[test]
    fn version_sections_round_trip_and_feed_the_pins() {
        let text = r#"{"version":1,"generator":"x","cluster":"ml",
          "versions":{"kubernetes":"1.34","addons":{"coredns":"v1.13.2-eksbuild.7"}},
          "nodeGroups":{"system":{"amiPath":"eks-ami","amiRelease":"1.34.9-20260714"}}}"#;
        let lock = Lock::parse(text.as_bytes()).unwrap();
        assert_eq!(Lock::parse(lock.to_json().as_bytes()).unwrap(), lock);
        let pins = Pins::of(&lock, false, false).unwrap();
        assert_eq!(pins.ami_path("system"), Some(MaxPodsPath::EksAmi));
        assert_eq!(pins.ami_release("system", "1.34"), Some("1.34.9-20260714"));
        assert_eq!(
            pins.ami_release("system", "1.35"),
            None,
            "an upgrade drops it"
        );
        assert_eq!(pins.addon("coredns", "1.34"), Some("v1.13.2-eksbuild.7"));
        let repath = Pins::of(&lock, false, true).unwrap();
        assert_eq!(repath.ami_path("system"), None);
    }

    #[test]
    fn rejects_bad_versions_and_cidrs() {
        for bad in [
            r#"{"version":2,"generator":"x","cluster":"ml"}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","layout":{"vpcCidr":"10.0.0.0/33","zones":[],"subnets":{}}}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","layout":{"vpcCidr":"10.0.0.0/16","zones":[],"subnets":{"a":"x"}}}"#,
            "not json",
            r#"{"version":1,"generator":"x","cluster":"ml","versions":{"kubernetes":"latest"}}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","versions":{"kubernetes":"1.34","addons":{"coredns":"latest"}}}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","versions":{"kubernetes":"1.34","addons":{"other":"v1.0.0-eksbuild.1"}}}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","versions":{"kubernetes":"1.34","charts":{}}}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","nodeGroups":{"a":{"amiPath":"eks-ami","amiRelease":"recommended"}}}"#,
            r#"{"version":1,"generator":"x","cluster":"ml","nodeGroups":{"a":{"amiPath":"sideways","amiRelease":"1.64.0"}}}"#,
        ] {
            assert!(Lock::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
