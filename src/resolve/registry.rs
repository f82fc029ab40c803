//! Where workload images come from: the registry's region, the monthly volume pulled, and
//! the rule that copies an ECR registry's images into the cluster's region when they live in
//! another one.
//!
//! Owns the choice of that rule (the intent's `inRegionCopy`, else replication for an ECR
//! registry in another region, else none) and so the region nodes really pull from, which
//! the image-pull model reads. Pure.

use crate::intent::{RegistryCopy, RegistryKind, RegistrySpec};
use crate::plan::{RegistryCopyPlan, RegistryPlan};

use super::pull_model::DEFAULT_LAYERS;

/// The Terraform file that holds the copy rule.
pub const REGISTRY_TF: &str = "registry.tf";

/// The registry's region: the intent's, else the cluster's.
pub fn source_region<'a>(reg: &'a RegistrySpec, cluster_region: &'a str) -> &'a str {
    reg.region.as_deref().unwrap_or(cluster_region)
}

/// The copy rule the plan renders, if any: the intent's choice, else replication for an ECR
/// registry in another region.
pub fn copy_method(reg: &RegistrySpec, cluster_region: &str) -> Option<RegistryCopy> {
    let cross_region = source_region(reg, cluster_region) != cluster_region;
    if !cross_region || reg.kind != RegistryKind::Ecr {
        return None;
    }
    match reg.in_region_copy.unwrap_or(RegistryCopy::Replication) {
        RegistryCopy::None => None,
        method => Some(method),
    }
}

/// The region new nodes pull layers from: the cluster's once a rule copies the images there.
pub fn pull_region<'a>(reg: &'a RegistrySpec, cluster_region: &'a str) -> &'a str {
    match copy_method(reg, cluster_region) {
        Some(_) => cluster_region,
        None => source_region(reg, cluster_region),
    }
}

/// The registry part of the plan.
pub fn plan(reg: &RegistrySpec, cluster_region: &str) -> RegistryPlan {
    let region = source_region(reg, cluster_region).to_string();
    let monthly = match (reg.image_size_gi_b, reg.scale_outs_per_day) {
        (Some(size), Some(per_day)) => Some(size * f64::from(per_day) * 30.0),
        _ => None,
    };
    let in_region_copy = copy_method(reg, cluster_region).map(|method| {
        let scope = match &reg.repository_prefix {
            Some(p) => format!("repositories whose names start with `{p}`"),
            None => "every repository of the registry".to_string(),
        };
        let reason = match method {
            RegistryCopy::Replication => format!(
                "ECR replicates {scope} from {region} to {cluster_region} as images are pushed, so new nodes pull in their own region (layers through the S3 gateway endpoint); the rule is the registry's whole replication configuration in {region}, so it replaces rules set there by hand or by other Terraform: merge them into one configuration first. Images pushed before the rule existed are not copied: push them again"
            ),
            RegistryCopy::PullThroughCache => format!(
                "ECR in {cluster_region} fetches {scope} from {region} on the first pull of each image and serves later pulls from the copy, so only the first node after a push waits for a cross-region pull; nodes pull `<account>.dkr.ecr.{cluster_region}.amazonaws.com/{}/...`, and their role needs ecr:BatchImportUpstreamImage and ecr:CreateRepository for those first pulls",
                reg.repository_prefix.as_deref().unwrap_or_default()
            ),
            RegistryCopy::None => unreachable!("copy_method never returns None as a method"),
        };
        RegistryCopyPlan {
            method,
            source_region: region.clone(),
            destination_region: cluster_region.to_string(),
            repository_prefix: reg.repository_prefix.clone(),
            file: REGISTRY_TF.to_string(),
            reason,
        }
    });
    RegistryPlan {
        cross_region: region != cluster_region,
        pull_region: pull_region(reg, cluster_region).to_string(),
        region,
        image_size_gib: reg.image_size_gi_b,
        scale_outs_per_day: reg.scale_outs_per_day,
        monthly_transfer_gib: monthly,
        kind: reg.kind,
        layers: reg.layers.unwrap_or(DEFAULT_LAYERS.value as u32),
        largest_layer_gib: reg.largest_layer_gi_b,
        in_region_copy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(region: &str, kind: RegistryKind, copy: Option<RegistryCopy>) -> RegistrySpec {
        RegistrySpec {
            region: Some(region.to_string()),
            image_size_gi_b: Some(3.5),
            scale_outs_per_day: Some(1000),
            layers: None,
            largest_layer_gi_b: None,
            kind,
            in_region_copy: copy,
            repository_prefix: Some("ml".to_string()),
        }
    }

    #[test]
    fn ecr_in_another_region_is_replicated_by_default() {
        let table = [
            // (registry region, kind, intent choice, rule, pull region)
            (
                "us-east-1",
                RegistryKind::Ecr,
                None,
                Some(RegistryCopy::Replication),
                "us-west-2",
            ),
            (
                "us-east-1",
                RegistryKind::Ecr,
                Some(RegistryCopy::PullThroughCache),
                Some(RegistryCopy::PullThroughCache),
                "us-west-2",
            ),
            (
                "us-east-1",
                RegistryKind::Ecr,
                Some(RegistryCopy::None),
                None,
                "us-east-1",
            ),
            ("us-east-1", RegistryKind::Other, None, None, "us-east-1"),
            ("us-west-2", RegistryKind::Ecr, None, None, "us-west-2"),
        ];
        for (region, kind, choice, rule, pulls) in table {
            let s = spec(region, kind, choice);
            assert_eq!(
                copy_method(&s, "us-west-2"),
                rule,
                "{region} {kind:?} {choice:?}"
            );
            assert_eq!(pull_region(&s, "us-west-2"), pulls);
            let p = plan(&s, "us-west-2");
            assert_eq!(p.in_region_copy.as_ref().map(|c| c.method), rule);
            assert_eq!(p.pull_region, pulls);
            assert_eq!(p.monthly_transfer_gib, Some(3.5 * 1000.0 * 30.0));
        }
    }

    #[test]
    fn the_replication_reason_warns_that_it_owns_the_whole_configuration() {
        let p = plan(&spec("us-east-1", RegistryKind::Ecr, None), "eu-west-1");
        let copy = p.in_region_copy.unwrap();
        assert_eq!(copy.source_region, "us-east-1");
        assert_eq!(copy.destination_region, "eu-west-1");
        assert!(
            copy.reason.contains("whole replication configuration"),
            "{}",
            copy.reason
        );
        assert!(copy.reason.contains("`ml`"), "{}", copy.reason);
    }
}
