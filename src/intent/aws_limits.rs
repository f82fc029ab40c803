//! AWS facts the intent must respect, kept as data rather than as the shape of a string.
//!
//! Owns the embedded `data/regions.csv` (regions, their zone letters and zone IDs) and
//! `data/eks-versions.csv` (EKS Kubernetes versions with their support dates), the names
//! terraform-aws-eks builds from the cluster and group names with the AWS length limits that
//! apply to them, the VPC secondary-CIDR association table, and the service quotas eksgen
//! checks. Pure lookups; validation and lint decide what to report.

use std::sync::LazyLock;

use crate::cidr::Ipv4Cidr;
use crate::intent::Provisioner;

/// Vendored region and zone table, compiled into the binary.
pub const REGIONS_CSV: &str = include_str!("../../data/regions.csv");
/// Vendored EKS version calendar, compiled into the binary.
pub const EKS_VERSIONS_CSV: &str = include_str!("../../data/eks-versions.csv");

/// One AWS region where EKS runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub name: String,
    pub partition: String,
    /// Zone letters an account may see (`us-west-2` + `a`).
    pub zone_letters: Vec<char>,
    /// Zone IDs behind the letters (mapped per account), e.g. `usw2-az1`.
    pub zone_ids: Vec<String>,
}

impl Region {
    /// Zone names of the region, `us-west-2a` ...
    pub fn zones(&self) -> impl Iterator<Item = String> + '_ {
        self.zone_letters
            .iter()
            .map(move |l| format!("{}{l}", self.name))
    }
}

/// A date written `YYYY-MM-DD`; ordering is the string's.
pub type Day = &'static str;

/// One EKS Kubernetes minor version and its support window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EksVersion {
    pub minor: u32,
    pub released: Day,
    pub end_of_standard: Day,
    pub end_of_extended: Day,
    /// `published` or `estimated` (see the data file).
    pub dates: Day,
}

impl EksVersion {
    pub fn name(&self) -> String {
        format!("1.{}", self.minor)
    }
}

/// Where a version stands on [`versions_as_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support<'a> {
    Standard(&'a EksVersion),
    /// Extended support: the control plane costs more per hour until `end_of_extended`.
    Extended(&'a EksVersion),
    /// Past the end of extended support: EKS no longer creates such clusters.
    Ended(&'a EksVersion),
    /// Released after the data date (a stale eksgen would still accept it) or never on EKS.
    Unknown,
}

fn data_rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|l| l.split(',').collect())
}

#[cfg(test)]
fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(|| {
    data_rows(REGIONS_CSV)
        .map(|f| {
            assert_eq!(f.len(), 4, "data/regions.csv: {f:?}");
            Region {
                name: f[0].to_string(),
                partition: f[1].to_string(),
                zone_letters: f[2].chars().collect(),
                zone_ids: f[3].split(' ').map(str::to_string).collect(),
            }
        })
        .collect()
});

static VERSIONS: LazyLock<Vec<EksVersion>> = LazyLock::new(|| {
    data_rows(EKS_VERSIONS_CSV)
        .map(|f| {
            assert_eq!(f.len(), 5, "data/eks-versions.csv: {f:?}");
            let minor = f[0]
                .strip_prefix("1.")
                .and_then(|m| m.parse().ok())
                .unwrap_or_else(|| panic!("data/eks-versions.csv: version {}", f[0]));
            EksVersion {
                minor,
                released: f[1],
                end_of_standard: f[2],
                end_of_extended: f[3],
                dates: f[4],
            }
        })
        .collect()
});

/// Every region of the table, sorted by name.
pub fn regions() -> &'static [Region] {
    &REGIONS
}

pub fn region(name: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.name == name)
}

/// Every EKS version of the table, oldest first.
pub fn versions() -> &'static [EksVersion] {
    &VERSIONS
}

/// The date support is judged on: the `as-of` line of `data/eks-versions.csv`, so a given
/// eksgen build gives the same answer every day (tests included). Updating the data file
/// moves it.
pub fn versions_as_of() -> Day {
    EKS_VERSIONS_CSV
        .lines()
        .find_map(|l| l.strip_prefix("# as-of: "))
        .map(str::trim)
        .expect("data/eks-versions.csv has an `# as-of:` line")
}

/// Support of Kubernetes `1.<minor>` on `day`.
pub fn support_on(minor: u32, day: &str) -> Support<'static> {
    match VERSIONS.iter().find(|v| v.minor == minor) {
        None => Support::Unknown,
        Some(v) if day > v.end_of_extended => Support::Ended(v),
        Some(v) if day > v.end_of_standard => Support::Extended(v),
        Some(v) => Support::Standard(v),
    }
}

/// Support of Kubernetes `1.<minor>` on the data date.
pub fn support(minor: u32) -> Support<'static> {
    support_on(minor, versions_as_of())
}

/// Versions under standard or extended support on the data date, as `1.x` names.
pub fn supported_versions() -> Vec<String> {
    VERSIONS
        .iter()
        .filter(|v| !matches!(support(v.minor), Support::Ended(_)))
        .map(EksVersion::name)
        .collect()
}

/// Versions under standard support on the data date.
pub fn standard_versions() -> Vec<String> {
    VERSIONS
        .iter()
        .filter(|v| matches!(support(v.minor), Support::Standard(_)))
        .map(EksVersion::name)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Names terraform-aws-eks builds (identical in v21.19.0 and v20.37.2).

/// Random suffix terraform-provider-aws appends to a `name_prefix` (timestamp + counter).
pub const NAME_PREFIX_SUFFIX: usize = 26;
/// IAM role names are at most 64 characters.
pub const MAX_IAM_ROLE_NAME: usize = 64;
/// `aws_iam_role.name_prefix`: 64 - 26.
pub const MAX_IAM_ROLE_NAME_PREFIX: usize = MAX_IAM_ROLE_NAME - NAME_PREFIX_SUFFIX;
/// `aws_eks_node_group.node_group_name_prefix`: node group names are at most 63, minus 26.
pub const MAX_NODE_GROUP_NAME_PREFIX: usize = 63 - NAME_PREFIX_SUFFIX;

/// A name the module derives from the cluster or a group name, and its AWS limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DerivedName {
    /// The AWS resource and argument, for messages.
    pub resource: &'static str,
    /// Text before and after the user's name.
    pub before: &'static str,
    pub after: &'static str,
    pub limit: usize,
    /// Where the module builds it (same path and string in v21.19.0 and v20.37.2).
    pub source: &'static str,
}

impl DerivedName {
    pub fn build(&self, name: &str) -> String {
        format!("{}{name}{}", self.before, self.after)
    }
    /// Longest user name that fits.
    pub fn room(&self) -> usize {
        self.limit - self.before.len() - self.after.len()
    }
}

/// Names built from `metadata.name` that bind before EKS's own 100 characters. The security
/// groups (`<cluster>-cluster-`, `<cluster>-node-`: 255 - 26), the KMS alias and the log
/// group have room for any EKS cluster name and are not listed.
pub const CLUSTER_NAMES: &[DerivedName] = &[DerivedName {
    resource: "the cluster IAM role (aws_iam_role.name_prefix)",
    before: "",
    after: "-cluster-",
    limit: MAX_IAM_ROLE_NAME_PREFIX,
    source: "terraform-aws-eks main.tf `iam_role_name` = \"${name}-cluster\" + prefix_separator",
}];

/// The Karpenter node role eksgen names itself (no prefix, so 64).
pub const KARPENTER_CLUSTER_NAMES: &[DerivedName] = &[DerivedName {
    resource: "the Karpenter node IAM role (aws_iam_role.name)",
    before: crate::plan::KARPENTER_NODE_ROLE_PREFIX,
    after: "",
    limit: MAX_IAM_ROLE_NAME,
    source: "eksgen karpenter.tf `node_iam_role_name`",
}];

const MANAGED_GROUP_NAMES: &[DerivedName] = &[
    DerivedName {
        resource: "the node IAM role (aws_iam_role.name_prefix)",
        before: "",
        after: "-eks-node-group-",
        limit: MAX_IAM_ROLE_NAME_PREFIX,
        source: "modules/eks-managed-node-group/main.tf `iam_role_name` = \"${name}-eks-node-group\" + \"-\"",
    },
    DerivedName {
        resource: "the managed node group (aws_eks_node_group.node_group_name_prefix)",
        before: "",
        after: "-",
        limit: MAX_NODE_GROUP_NAME_PREFIX,
        source: "modules/eks-managed-node-group/main.tf `node_group_name_prefix` = \"${name}-\"",
    },
];

const SELF_MANAGED_GROUP_NAMES: &[DerivedName] = &[DerivedName {
    resource: "the node IAM role (aws_iam_role.name_prefix)",
    before: "",
    after: "-node-group-",
    limit: MAX_IAM_ROLE_NAME_PREFIX,
    source: "modules/self-managed-node-group/main.tf `iam_role_name` = \"${name}-node-group\" + \"-\"",
}];

/// Names built from a group name (memory tiers expanded) for its provisioner. Karpenter
/// groups become NodePools and EC2NodeClasses, whose names eksgen's 32 characters already fit.
pub fn group_names(provisioner: Provisioner) -> &'static [DerivedName] {
    match provisioner {
        Provisioner::Managed => MANAGED_GROUP_NAMES,
        Provisioner::SelfManaged => SELF_MANAGED_GROUP_NAMES,
        Provisioner::Karpenter => &[],
    }
}

// ---------------------------------------------------------------------------------------
// Tags.

/// Auto Scaling and EC2 tag keys are at most 128 characters, values 256.
pub const MAX_TAG_KEY: usize = 128;
pub const MAX_TAG_VALUE: usize = 256;

// ---------------------------------------------------------------------------------------
// Service quotas (defaults; each can be raised through Service Quotas).

/// Amazon EKS "Managed node groups per cluster".
pub const MANAGED_GROUPS_PER_CLUSTER: usize = 30;
/// Amazon EKS "Nodes per managed node group".
pub const NODES_PER_MANAGED_GROUP: u32 = 450;
/// Amazon EC2 Auto Scaling "Auto Scaling groups per region".
pub const AUTO_SCALING_GROUPS_PER_REGION: usize = 500;

// ---------------------------------------------------------------------------------------
// VPC secondary CIDR association (Amazon VPC User Guide, "VPC CIDR blocks", section
// "IPv4 CIDR block association restrictions").

fn block(s: &str) -> Ipv4Cidr {
    s.parse().expect("a literal CIDR")
}

/// The RFC 1918 private ranges.
pub fn rfc1918() -> [Ipv4Cidr; 3] {
    [
        block("10.0.0.0/8"),
        block("172.16.0.0/12"),
        block("192.168.0.0/16"),
    ]
}

/// Why AWS refuses to associate `secondary` with a VPC whose primary block is `primary`,
/// or `None` when the table allows it. Overlap with the VPC's blocks is checked elsewhere.
pub fn association_refusal(primary: Ipv4Cidr, secondary: Ipv4Cidr) -> Option<String> {
    let private = rfc1918();
    let benchmark = block("198.19.0.0/16");
    let primary_range = private.iter().find(|r| r.contains(primary));
    let secondary_range = private.iter().find(|r| r.overlaps(secondary));
    if secondary.overlaps(benchmark) {
        return Some(
            "AWS does not associate blocks from 198.19.0.0/16 as secondary CIDRs".to_string(),
        );
    }
    match (primary_range, secondary_range) {
        (Some(p), Some(s)) if p != s => {
            return Some(format!(
                "the primary CIDR {primary} is in {p}, and AWS does not add a block from another RFC 1918 range ({s})"
            ));
        }
        (None, Some(s)) => {
            return Some(format!(
                "the primary CIDR {primary} is not an RFC 1918 block, and AWS then adds none from {s}"
            ));
        }
        _ => {}
    }
    let ten_fifteen = block("10.0.0.0/15");
    let ten_sixteen = block("10.0.0.0/16");
    if ten_fifteen.contains(primary) && secondary.overlaps(ten_sixteen) {
        return Some(format!(
            "the primary CIDR {primary} is in 10.0.0.0/15, and AWS then adds no block from 10.0.0.0/16"
        ));
    }
    let default_vpc = block("172.31.0.0/16");
    let next_to_default = block("172.30.0.0/16");
    if default_vpc.contains(primary) && secondary.overlaps(next_to_default) {
        return Some(format!(
            "the primary CIDR {primary} is in 172.31.0.0/16, and AWS then adds no block from 172.30.0.0/16"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_sorted_unique_and_well_formed() {
        let names: Vec<&str> = regions().iter().map(|r| r.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "data/regions.csv must be sorted and unique");
        assert!(names.len() >= 30);
        for r in regions() {
            assert!(super::super::is_region(&r.name), "{}", r.name);
            assert!(
                ["aws", "aws-cn", "aws-us-gov"].contains(&r.partition.as_str()),
                "{}",
                r.name
            );
            let mut letters = r.zone_letters.clone();
            letters.sort_unstable();
            letters.dedup();
            assert_eq!(letters, r.zone_letters, "{}: zone letters sorted", r.name);
            assert!(
                r.zone_letters.iter().all(char::is_ascii_lowercase),
                "{}",
                r.name
            );
            assert!(r.zone_ids.len() >= 2, "{}", r.name);
            assert!(
                r.zone_ids.len() <= r.zone_letters.len(),
                "{}: more zone ids than letters",
                r.name
            );
            let prefix = r.zone_ids[0].split_once("-az").map(|(p, _)| p).unwrap();
            for id in &r.zone_ids {
                let n = id.strip_prefix(prefix).and_then(|s| s.strip_prefix("-az"));
                assert!(
                    n.is_some_and(|n| n.parse::<u8>().is_ok()),
                    "{}: zone id {id}",
                    r.name
                );
            }
        }
        assert_eq!(
            region("us-west-2").map(|r| r.zones().collect::<Vec<_>>()),
            Some(
                ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"]
                    .map(String::from)
                    .to_vec()
            )
        );
    }

    #[test]
    fn versions_are_sorted_and_dated_consistently() {
        assert!(is_day(versions_as_of()));
        let minors: Vec<u32> = versions().iter().map(|v| v.minor).collect();
        assert!(minors.windows(2).all(|w| w[1] == w[0] + 1), "{minors:?}");
        for v in versions() {
            for d in [v.released, v.end_of_standard, v.end_of_extended] {
                assert!(is_day(d), "1.{}: {d}", v.minor);
            }
            assert!(v.released < v.end_of_standard, "1.{}", v.minor);
            assert!(v.end_of_standard < v.end_of_extended, "1.{}", v.minor);
            assert!(["published", "estimated"].contains(&v.dates));
        }
        assert!(versions().windows(2).all(|w| w[0].released < w[1].released));
    }

    #[test]
    fn support_follows_the_calendar_not_the_clock() {
        assert!(matches!(support_on(34, "2026-12-02"), Support::Standard(_)));
        assert!(matches!(support_on(34, "2026-12-03"), Support::Extended(_)));
        assert!(matches!(support_on(34, "2027-12-02"), Support::Extended(_)));
        assert!(matches!(support_on(34, "2027-12-03"), Support::Ended(_)));
        assert_eq!(support_on(27, "2026-12-01"), Support::Unknown);
        assert_eq!(support_on(99, "2026-12-01"), Support::Unknown);
        // On the data date of this build.
        assert!(matches!(support(31), Support::Ended(_)));
        assert!(matches!(support(32), Support::Extended(_)));
        assert!(matches!(support(34), Support::Standard(_)));
    }

    #[test]
    fn derived_name_room() {
        // The longest accepted names, per role.
        assert_eq!(CLUSTER_NAMES[0].room(), 29);
        assert_eq!(KARPENTER_CLUSTER_NAMES[0].room(), 46);
        assert_eq!(MANAGED_GROUP_NAMES[0].room(), 22);
        assert_eq!(MANAGED_GROUP_NAMES[1].room(), 36);
        assert_eq!(SELF_MANAGED_GROUP_NAMES[0].room(), 26);
        assert_eq!(CLUSTER_NAMES[0].build("demo"), "demo-cluster-");
    }

    #[test]
    fn association_table() {
        let c = |s: &str| s.parse::<Ipv4Cidr>().unwrap();
        let refused = |p: &str, s: &str| association_refusal(c(p), c(s)).is_some();
        // 10.0.0.0/8 primary.
        assert!(refused("10.0.0.0/20", "192.168.0.0/16"));
        assert!(refused("10.0.0.0/20", "172.17.0.0/16"));
        assert!(refused("10.0.0.0/20", "198.19.0.0/16"));
        assert!(refused("10.1.0.0/16", "10.0.128.0/17"));
        assert!(!refused("10.2.0.0/16", "10.0.128.0/17"));
        assert!(!refused("10.0.0.0/16", "10.5.0.0/16"));
        assert!(!refused("10.0.0.0/16", "100.64.0.0/16"));
        assert!(!refused("10.0.0.0/16", "203.0.113.0/24"));
        // 172.16.0.0/12 primary.
        assert!(refused("172.31.0.0/16", "172.30.0.0/16"));
        assert!(!refused("172.31.0.0/16", "172.29.0.0/16"));
        assert!(refused("172.16.0.0/16", "10.0.0.0/16"));
        // 192.168.0.0/16 primary.
        assert!(refused("192.168.0.0/20", "10.0.0.0/16"));
        assert!(!refused("192.168.0.0/20", "192.168.64.0/18"));
        // Public / 100.64.0.0/10 primaries take neither RFC 1918 nor 198.19.0.0/16.
        assert!(refused("100.64.0.0/16", "10.0.0.0/16"));
        assert!(refused("203.0.113.0/24", "198.19.0.0/16"));
        assert!(!refused("100.64.0.0/16", "100.65.0.0/16"));
        // A 198.19.0.0/16 primary takes 100.64.0.0/10 but no RFC 1918 block.
        assert!(refused("198.19.0.0/16", "10.0.0.0/16"));
        assert!(!refused("198.19.0.0/16", "100.64.0.0/16"));
    }
}
