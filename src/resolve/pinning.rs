//! Nothing floats: the Kubernetes version, each group's AMI release and AMI path, and each
//! add-on's version, decided from the lock file's pins and the releases eksgen knows.
//!
//! Owns the rules:
//! - a lock's Kubernetes version may stay or move up one minor (EKS upgrades one minor at a
//!   time and never down); anything else is an error at `spec.kubernetesVersion`;
//! - at the lock's Kubernetes version a group keeps its recorded AMI release and an add-on
//!   its version; new groups and add-ons, and everything after an upgrade, take the newest
//!   release `data/releases.csv` (plus a `--releases` overlay) knows;
//! - a managed group keeps its recorded AMI path: back from a custom AMI to the EKS AMI
//!   happens only when asked (`--change-ami-path`), and a change that needs the other way
//!   is refused with the reason, since either move replaces the node group.
//!
//! Pure: intent, plan, pins and table in, decisions or diagnostics out.

use std::collections::BTreeMap;

use crate::catalog::releases::{
    self, ADDONS, Component, EBS_CSI_ADDON, Releases, bottlerocket_has_build, eks_ami_date,
};
use crate::diagnostic::Diagnostic;
use crate::intent::Intent;
use crate::lock::Pins;
use crate::plan::{AmiFamily, MaxPodsPath, NodeGroupPlan, Provisioner};

/// What a group's AMI decisions read besides the group: the releases eksgen knows, the
/// lock's pins and the vpc-cni settings EKS computes max pods from on its own AMI.
pub(crate) struct AmiContext<'a> {
    pub releases: &'a Releases,
    pub pins: &'a Pins,
    pub kubernetes: &'a str,
    /// `ENABLE_PREFIX_DELEGATION` is on in the vpc-cni settings.
    pub prefix_delegation: bool,
    /// `AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG` is on.
    pub custom_networking: bool,
}

/// The intent's Kubernetes version against the lock's: the same, or the next minor.
pub(crate) fn check_kubernetes(intent: &Intent, pins: &Pins) -> Result<(), Vec<Diagnostic>> {
    let Some(locked) = &pins.kubernetes else {
        return Ok(());
    };
    let wanted = &intent.spec.kubernetes_version.0;
    let (Some(from), Some(to)) = (releases::minor(locked), releases::minor(wanted)) else {
        return Ok(());
    };
    let path = "spec.kubernetesVersion";
    if to < from {
        return Err(vec![
            Diagnostic::new(
                path,
                format!(
                    "the cluster runs Kubernetes {locked} (lock file) and the intent asks for {wanted}: EKS cannot downgrade a cluster"
                ),
            )
            .hint(format!(
                "set kubernetesVersion back to \"{locked}\"; only a new cluster (a new name, without this lock) runs an older version"
            )),
        ]);
    }
    if to.0 != from.0 || to.1 > from.1 + 1 {
        let next = format!("{}.{}", from.0, from.1 + 1);
        return Err(vec![
            Diagnostic::new(
                path,
                format!(
                    "the cluster runs Kubernetes {locked} (lock file) and the intent asks for {wanted}: EKS upgrades one minor version at a time"
                ),
            )
            .hint(format!(
                "upgrade to {next} first: `eksgen upgrade --kubernetes {next}`, render and apply, then the next minor"
            )),
        ]);
    }
    Ok(())
}

/// The AMI release a group uses (the lock's at its Kubernetes version, else the newest
/// known), and the source that names it. A group on the EKS AMI of a
/// managed node group needs the release in EKS's form: for Bottlerocket, with its build
/// (`1.51.0-47438798`).
pub(crate) fn ami_release(
    ctx: &AmiContext<'_>,
    group: &str,
    path_key: &str,
    family: AmiFamily,
    path: MaxPodsPath,
) -> Result<(String, String), Diagnostic> {
    let component = Component::Ami(family);
    let k8s = ctx.kubernetes;
    let usable = |v: &str| {
        component.accepts(k8s, v)
            && (family != AmiFamily::Bottlerocket
                || path != MaxPodsPath::EksAmi
                || bottlerocket_has_build(v))
    };
    // The reason names the release's source, not whether it came from the lock: a render
    // that only keeps what the first one chose writes the same files.
    let describe = |version: &str| {
        ctx.releases
            .rows()
            .iter()
            .find(|r| r.component == component && r.kubernetes == k8s && r.version == version)
            .map_or_else(
                || "recorded in the lock file; not in eksgen's release table".to_string(),
                |r| format!("{}, {}", r.source, r.date),
            )
    };
    if let Some(recorded) = ctx.pins.ami_release(group, k8s)
        && usable(recorded)
    {
        return Ok((recorded.to_string(), describe(recorded)));
    }
    if let Some(r) = ctx.releases.newest(&component, k8s, usable) {
        return Ok((r.version.clone(), describe(&r.version)));
    }
    let need = if family == AmiFamily::Bottlerocket && path == MaxPodsPath::EksAmi {
        " in the form EKS names it (x.y.z-<build>, which a managed node group on the EKS AMI needs)"
    } else {
        ""
    };
    let import = match family {
        AmiFamily::Bottlerocket => format!(
            "aws ssm get-parameters-by-path --recursive --path /aws/service/bottlerocket/aws-k8s-{k8s}"
        ),
        AmiFamily::Al2023 => format!(
            "aws ssm get-parameters-by-path --recursive --path /aws/service/eks/optimized-ami/{k8s}/amazon-linux-2023"
        ),
        AmiFamily::Al2 => format!(
            "aws ssm get-parameters-by-path --recursive --path /aws/service/eks/optimized-ami/{k8s}/amazon-linux-2"
        ),
    };
    Err(Diagnostic::new(
        path_key,
        format!(
            "eksgen knows no {} AMI release for Kubernetes {k8s}{need}, so group {group} would float",
            family.as_str()
        ),
    )
    .hint(format!(
        "`{import} > amis.json`, then `eksgen releases import amis.json -o releases.csv` and pass `--releases releases.csv`; or choose another amiFamily or Kubernetes version"
    )))
}

/// Whether the group `group` of `family` has a release a managed node group on the EKS AMI
/// can pin (`ami_release_version`): the lock's or one eksgen knows. Bottlerocket needs the
/// release with its build.
pub(crate) fn eks_ami_release_known(ctx: &AmiContext<'_>, group: &str, family: AmiFamily) -> bool {
    let component = Component::Ami(family);
    let usable = |v: &str| {
        component.accepts(ctx.kubernetes, v)
            && (family != AmiFamily::Bottlerocket || bottlerocket_has_build(v))
    };
    ctx.pins
        .ami_release(group, ctx.kubernetes)
        .is_some_and(usable)
        || ctx
            .releases
            .newest(&component, ctx.kubernetes, usable)
            .is_some()
}

/// How EKS names a release of `family` in `ami_release_version`.
pub(crate) fn eks_release_form(family: AmiFamily) -> &'static str {
    match family {
        AmiFamily::Bottlerocket => "x.y.z-<build>, such as 1.51.0-47438798",
        AmiFamily::Al2023 | AmiFamily::Al2 => "<Kubernetes patch>-<date>, such as 1.34.9-20260714",
    }
}

/// The add-on versions of the plan: the lock's at its Kubernetes version, else the newest
/// known. An existing cluster's add-ons are not eksgen's: none.
pub(crate) fn addon_versions(
    intent: &Intent,
    releases: &Releases,
    pins: &Pins,
) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    if intent.spec.existing_cluster.is_some() {
        return Ok(BTreeMap::new());
    }
    let k8s = &intent.spec.kubernetes_version.0;
    let mut versions = BTreeMap::new();
    let mut missing = Vec::new();
    // The EBS CSI driver add-on is installed only for zonal-stateful groups' volumes.
    let ebs_csi = intent
        .spec
        .node_groups
        .iter()
        .any(|g| g.zonal_stateful)
        .then_some(EBS_CSI_ADDON);
    for name in ADDONS.into_iter().chain(ebs_csi) {
        let component = Component::Addon(name.to_string());
        let pinned = pins
            .addon(name, k8s)
            .filter(|v| component.accepts(k8s, v))
            .map(str::to_string);
        match pinned.or_else(|| {
            releases
                .newest(&component, k8s, |_| true)
                .map(|r| r.version.clone())
        }) {
            Some(v) => {
                versions.insert(name.to_string(), v);
            }
            None => missing.push(name),
        }
    }
    if missing.is_empty() {
        return Ok(versions);
    }
    Err(vec![
        Diagnostic::new(
            "spec.kubernetesVersion",
            format!(
                "eksgen knows no version of the {} add-on{} for Kubernetes {k8s}, so {} would float",
                missing.join(", "),
                if missing.len() == 1 { "" } else { "s" },
                if missing.len() == 1 { "it" } else { "they" },
            ),
        )
        .hint(format!(
            "`aws eks describe-addon-versions --kubernetes-version {k8s} > addons.json`, then `eksgen releases import addons.json -o releases.csv` and pass `--releases releases.csv`; or use a Kubernetes version eksgen has add-on versions for (`eksgen releases`)"
        )),
    ])
}

/// Managed groups the lock records on the EKS AMI that now need a custom AMI (eksgen's max
/// pods differs from what EKS would set): moving them replaces the node group, so it is
/// refused unless asked for.
pub(crate) fn path_flips(
    groups: &[NodeGroupPlan],
    paths: &[String],
    pins: &Pins,
) -> Vec<Diagnostic> {
    groups
        .iter()
        .zip(paths)
        .filter(|(g, _)| {
            g.provisioner == Provisioner::Managed
                && pins.ami_path(&g.name) == Some(MaxPodsPath::EksAmi)
                && g.max_pods_delivery.path == MaxPodsPath::CustomAmi
        })
        .map(|(g, path)| {
            Diagnostic::new(
                path.clone(),
                format!(
                    "node group {} runs on the EKS AMI (lock file) and now needs a custom AMI: {}. Moving it replaces the node group: Terraform destroys it and creates a new one",
                    g.name, g.max_pods_delivery.reason
                ),
            )
            .hint(
                "keep what lets it stay on the EKS AMI (max pods at what EKS sets: no fixed maxPods or MAX_ENI), add a new group under another name for the new settings, or accept the replacement with `eksgen render --change-ami-path` (preview it with `eksgen diff --change-ami-path`)",
            )
        })
        .collect()
}

/// The Karpenter alias and the AMI date a release names (`al2023@v20260714`,
/// `bottlerocket@v1.64.0`).
pub(crate) fn karpenter_alias(family: AmiFamily, release: &str) -> String {
    match family {
        AmiFamily::Bottlerocket => {
            format!("bottlerocket@v{}", releases::bottlerocket_semver(release))
        }
        AmiFamily::Al2023 | AmiFamily::Al2 => format!(
            "{}@v{}",
            family.as_str(),
            eks_ami_date(release).unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(k8s: &str) -> Pins {
        Pins {
            kubernetes: Some(k8s.into()),
            addons: BTreeMap::from([("coredns".into(), "v1.13.2-eksbuild.4".into())]),
            ami_releases: BTreeMap::from([("system".into(), "1.34.9-20260618".into())]),
            ami_paths: BTreeMap::from([("system".into(), MaxPodsPath::EksAmi)]),
            ..Pins::default()
        }
    }

    fn ctx<'a>(p: &'a Pins, k8s: &'a str) -> AmiContext<'a> {
        AmiContext {
            releases: Releases::embedded(),
            pins: p,
            kubernetes: k8s,
            prefix_delegation: false,
            custom_networking: false,
        }
    }

    #[test]
    fn recorded_releases_stay_until_the_kubernetes_version_moves() {
        let p = pins("1.34");
        let (r, why) = ami_release(
            &ctx(&p, "1.34"),
            "system",
            "x",
            AmiFamily::Al2023,
            MaxPodsPath::EksAmi,
        )
        .unwrap();
        assert_eq!(r, "1.34.9-20260618");
        assert!(why.contains("AMI Release v20260618"), "{why}");
        let (r, _) = ami_release(
            &ctx(&p, "1.35"),
            "system",
            "x",
            AmiFamily::Al2023,
            MaxPodsPath::EksAmi,
        )
        .unwrap();
        assert_eq!(r, "1.35.6-20260714");
        // A new group takes the newest.
        let (r, why) = ami_release(
            &ctx(&p, "1.34"),
            "new",
            "x",
            AmiFamily::Al2023,
            MaxPodsPath::CustomAmi,
        )
        .unwrap();
        assert_eq!(r, "1.34.9-20260714");
        assert!(why.contains("awslabs/amazon-eks-ami"), "{why}");
    }

    #[test]
    fn bottlerocket_on_the_eks_ami_needs_the_build_and_unknown_releases_are_errors() {
        let p = Pins::default();
        let c = ctx(&p, "1.34");
        let release = |path| {
            ami_release(&c, "g", "x", AmiFamily::Bottlerocket, path)
                .unwrap()
                .0
        };
        assert_eq!(release(MaxPodsPath::EksAmi), "1.51.0-47438798");
        assert_eq!(release(MaxPodsPath::Karpenter), "1.64.0");
        let c = ctx(&p, "1.36");
        let err = ami_release(
            &c,
            "g",
            "spec.nodeGroups[0]",
            AmiFamily::Bottlerocket,
            MaxPodsPath::EksAmi,
        )
        .unwrap_err();
        assert!(err.message.contains("would float"), "{}", err.message);
        assert!(
            ami_release(&c, "g", "x", AmiFamily::Al2, MaxPodsPath::CustomAmi).is_err(),
            "no AL2 AMIs for 1.36"
        );
    }

    #[test]
    fn aliases_name_the_pinned_release() {
        assert_eq!(
            karpenter_alias(AmiFamily::Al2023, "1.34.9-20260714"),
            "al2023@v20260714"
        );
        assert_eq!(
            karpenter_alias(AmiFamily::Bottlerocket, "1.51.0-47438798"),
            "bottlerocket@v1.51.0"
        );
        assert_eq!(
            karpenter_alias(AmiFamily::Al2, "1.32.9-20251209"),
            "al2@v20251209"
        );
    }
}
