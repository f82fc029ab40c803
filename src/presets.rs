//! Presets: commented intents embedded in the binary, the starting point of `eksgen init`.
//! Pure: lookup and text substitution only; `commands::init` writes the file.

/// (name, one-line description, intent text).
pub const PRESETS: &[(&str, &str, &str)] = &[
    (
        "minimal",
        "one CPU node group: the smallest useful cluster",
        include_str!("../presets/minimal.yaml"),
    ),
    (
        "gpu-training-efa",
        "p5 training group with EFA pinned to one zone, plus a system group",
        include_str!("../presets/gpu-training-efa.yaml"),
    ),
    (
        "gpu-inference-karpenter",
        "GPU inference NodePools on spot across zones, managed by Karpenter",
        include_str!("../presets/gpu-inference-karpenter.yaml"),
    ),
    (
        "data-science",
        "one notebook pod per node in memory tiers 4-512 GiB, cluster-autoscaler",
        include_str!("../presets/data-science.yaml"),
    ),
    (
        "constrained-vpc",
        "small routable VPC, pods in 100.64.0.0/10 through custom networking",
        include_str!("../presets/constrained-vpc.yaml"),
    ),
];

/// The region every preset is written for; `init --region` replaces it.
pub const PRESET_REGION: &str = "us-west-2";

pub fn get(name: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, text)| *text)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(n, _, _)| *n)
}

/// The preset text with the cluster name and region replaced. Both must already be valid
/// (cluster-name rules, region syntax), so plain text replacement cannot break the YAML.
pub fn customize(text: &str, name: Option<&str>, region: Option<&str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_metadata = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with("metadata:") {
            in_metadata = true;
        } else if !line.starts_with(' ') && !line.trim().is_empty() {
            in_metadata = false;
        }
        match (name, line.strip_prefix("  name: ")) {
            (Some(n), Some(_)) if in_metadata => {
                out.push_str("  name: ");
                out.push_str(n);
                out.push('\n');
            }
            _ => out.push_str(line),
        }
    }
    match region {
        Some(r) => out.replace(PRESET_REGION, r),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn every_preset_validates_and_resolves_without_errors() {
        for (name, _, text) in PRESETS {
            let intent = crate::intent::parse_and_validate(text, name, Catalog::embedded())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let plan = crate::resolve::resolve(&intent, Catalog::embedded())
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert!(!plan.has_errors(), "{name}: {:?}", plan.findings);
        }
    }

    #[test]
    fn customize_renames_cluster_and_region() {
        let text = customize(get("minimal").unwrap(), Some("team-a"), Some("eu-west-1"));
        let (intent, _) = crate::intent::parse(&text, "t").unwrap();
        assert_eq!(intent.metadata.name, "team-a");
        assert_eq!(intent.spec.region, "eu-west-1");
        assert!(
            intent
                .spec
                .network
                .availability_zones
                .iter()
                .all(|z| z.starts_with("eu-west-1"))
        );
    }
}
