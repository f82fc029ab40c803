//! The Helm charts eksgen writes values for: which charts a plan needs, pinned to exact
//! versions, and who installs them (`spec.helm.install`).
//!
//! Owns the one table of chart versions ([`PINNED_CHARTS`]), each with where the version was
//! read and when it was published, and the cluster-autoscaler image per Kubernetes minor. Both
//! are plain data so a release catalogue can take them over. Reads finished node groups and
//! the autoscaling switches; the values themselves are built in
//! [`super::autoscalers`] and by the Kubernetes renderer.

use crate::plan::{
    AmiFamily, AmiVariant, HelmComponent, HelmInstall, HelmPlan, HelmReleasePlan, NodeGroupPlan,
    TerraformValue,
};

/// One chart at one exact version.
#[derive(Debug, Clone, Copy)]
pub struct PinnedChart {
    pub component: HelmComponent,
    pub release: &'static str,
    /// `https://…` Helm repository, or `oci://…` repository the chart sits in.
    pub repository: &'static str,
    pub chart: &'static str,
    pub version: &'static str,
    pub namespace: &'static str,
    /// Where the version was read, and the publication date.
    pub source: &'static str,
}

/// Every chart version eksgen pins. Newest releases as of the dates given; the chart keys the
/// values files use are checked against the vendored `values.yaml` of these versions
/// (`tests/fixtures/charts/`).
pub const PINNED_CHARTS: &[PinnedChart] = &[
    PinnedChart {
        component: HelmComponent::ClusterAutoscaler,
        release: "cluster-autoscaler",
        repository: "https://kubernetes.github.io/autoscaler",
        chart: "cluster-autoscaler",
        version: "9.59.0",
        namespace: "kube-system",
        source: "kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0, 2026-07-21",
    },
    PinnedChart {
        component: HelmComponent::KarpenterCrd,
        release: "karpenter-crd",
        repository: "oci://public.ecr.aws/karpenter",
        chart: "karpenter-crd",
        version: "1.14.1",
        namespace: "kube-system",
        source: "aws/karpenter-provider-aws tag v1.14.1, 2026-08-20 (the CRDs the NodePools are checked against)",
    },
    PinnedChart {
        component: HelmComponent::Karpenter,
        release: "karpenter",
        repository: "oci://public.ecr.aws/karpenter",
        chart: "karpenter",
        version: "1.14.1",
        namespace: "kube-system",
        source: "aws/karpenter-provider-aws tag v1.14.1, 2026-08-20",
    },
    PinnedChart {
        component: HelmComponent::NvidiaDevicePlugin,
        release: "nvidia-device-plugin",
        repository: "https://nvidia.github.io/k8s-device-plugin",
        chart: "nvidia-device-plugin",
        version: "0.20.0",
        namespace: "kube-system",
        source: "NVIDIA/k8s-device-plugin tag v0.20.0, 2026-08-19",
    },
    PinnedChart {
        component: HelmComponent::NeuronDevicePlugin,
        release: "neuron",
        repository: "oci://public.ecr.aws/neuron",
        chart: "neuron-helm-chart",
        version: "1.10.0",
        namespace: "kube-system",
        source: "public.ecr.aws/neuron/neuron-helm-chart 1.10.0 as published 2026-09 (its \
                 neuronInstances lists trn2.3xlarge, trn2.48xlarge and trn2u.48xlarge; 1.0.0 of \
                 2024-09 lists no trn2, so the chart's node affinity kept the plugin off trn2)",
    },
    PinnedChart {
        component: HelmComponent::EfaDevicePlugin,
        release: "aws-efa-k8s-device-plugin",
        repository: "https://aws.github.io/eks-charts",
        chart: "aws-efa-k8s-device-plugin",
        version: "v0.5.30",
        namespace: "kube-system",
        source: "aws/eks-charts tag v0.0.242, chart v0.5.30, 2026-08-03 (its supportedInstanceLabels \
                 list every EFA type eksgen's catalog has)",
    },
];

/// Newest cluster-autoscaler patch release per Kubernetes minor (kubernetes/autoscaler tags
/// `cluster-autoscaler-1.<minor>.<patch>`, read 2026-08-22). The project supports each
/// Kubernetes minor with the cluster-autoscaler release of the same minor only.
pub const CLUSTER_AUTOSCALER_RELEASES: &[(u32, &str)] = &[
    (28, "v1.28.7"),
    (29, "v1.29.5"),
    (30, "v1.30.7"),
    (31, "v1.31.5"),
    (32, "v1.32.7"),
    (33, "v1.33.6"),
    (34, "v1.34.5"),
    (35, "v1.35.2"),
    (36, "v1.36.1"),
];

/// The pinned chart of a component.
pub fn pinned(component: HelmComponent) -> &'static PinnedChart {
    PINNED_CHARTS
        .iter()
        .find(|c| c.component == component)
        .expect("every HelmComponent has a row in PINNED_CHARTS (unit test)")
}

/// Values file of a component, relative to the output folder (`None`: chart defaults).
pub fn values_file(component: HelmComponent) -> Option<&'static str> {
    match component {
        HelmComponent::ClusterAutoscaler => Some("helm/cluster-autoscaler-values.yaml"),
        HelmComponent::KarpenterCrd => None,
        HelmComponent::Karpenter => Some("helm/karpenter-values.yaml"),
        HelmComponent::NvidiaDevicePlugin => {
            Some("device-plugins/nvidia-device-plugin-values.yaml")
        }
        HelmComponent::NeuronDevicePlugin => {
            Some("device-plugins/neuron-device-plugin-values.yaml")
        }
        HelmComponent::EfaDevicePlugin => Some("device-plugins/efa-device-plugin-values.yaml"),
    }
}

/// Whether a group's nodes need a device plugin installed: the Bottlerocket NVIDIA variant
/// ships the NVIDIA device plugin; no EKS AMI ships the Neuron or EFA ones.
pub fn device_plugin_needed(component: HelmComponent, g: &NodeGroupPlan) -> bool {
    match component {
        HelmComponent::NvidiaDevicePlugin => {
            g.ami.variant == AmiVariant::Nvidia && g.ami_family != AmiFamily::Bottlerocket
        }
        HelmComponent::NeuronDevicePlugin => g.ami.variant == AmiVariant::Neuron,
        HelmComponent::EfaDevicePlugin => g.efa,
        HelmComponent::ClusterAutoscaler
        | HelmComponent::KarpenterCrd
        | HelmComponent::Karpenter => false,
    }
}

const DEVICE_PLUGINS: [HelmComponent; 3] = [
    HelmComponent::NvidiaDevicePlugin,
    HelmComponent::NeuronDevicePlugin,
    HelmComponent::EfaDevicePlugin,
];

fn release(
    component: HelmComponent,
    values_from_terraform: Vec<TerraformValue>,
    node_groups: Vec<String>,
) -> HelmReleasePlan {
    let pin = pinned(component);
    HelmReleasePlan {
        component,
        release: pin.release.to_string(),
        repository: pin.repository.to_string(),
        chart: pin.chart.to_string(),
        version: pin.version.to_string(),
        version_reason: pin.source.to_string(),
        namespace: pin.namespace.to_string(),
        values_file: values_file(component).map(str::to_string),
        values_from_terraform,
        node_groups,
    }
}

/// The charts a cluster needs and who installs them.
pub fn helm_plan(
    install: HelmInstall,
    cluster_autoscaler: bool,
    karpenter: bool,
    groups: &[NodeGroupPlan],
) -> HelmPlan {
    let mut releases = Vec::new();
    if cluster_autoscaler {
        releases.push(release(
            HelmComponent::ClusterAutoscaler,
            Vec::new(),
            Vec::new(),
        ));
    }
    if karpenter {
        releases.push(release(HelmComponent::KarpenterCrd, Vec::new(), Vec::new()));
        releases.push(release(
            HelmComponent::Karpenter,
            vec![TerraformValue {
                key: "settings.clusterEndpoint".to_string(),
                output: "cluster_endpoint".to_string(),
            }],
            Vec::new(),
        ));
    }
    for plugin in DEVICE_PLUGINS {
        let needing: Vec<String> = groups
            .iter()
            .filter(|g| device_plugin_needed(plugin, g))
            .map(|g| g.name.clone())
            .collect();
        if !needing.is_empty() {
            releases.push(release(plugin, Vec::new(), needing));
        }
    }
    let install_reason = match install {
        HelmInstall::Commands => "spec.helm.install commands (default): eksgen writes values \
            files and the exact `helm upgrade --install` command in each header; the Terraform \
            needs no Kubernetes access, and Helm, Argo CD or Flux installs the charts after \
            `terraform apply`"
            .to_string(),
        HelmInstall::Terraform => "spec.helm.install terraform: helm.tf installs every chart \
            with helm_release after the cluster, its node groups and add-ons exist, the Helm \
            provider authenticating with `aws eks get-token`; one `terraform apply`, but the \
            machine that runs it must reach the Kubernetes API and have the AWS CLI \
            (docs/workloads.md)"
            .to_string(),
    };
    HelmPlan {
        install,
        install_reason,
        releases,
    }
}

/// The cluster-autoscaler release for Kubernetes `version` (`1.<minor>`), if eksgen knows one.
pub fn cluster_autoscaler_release(version: &str) -> Option<&'static str> {
    let minor: u32 = version.strip_prefix("1.")?.parse().ok()?;
    CLUSTER_AUTOSCALER_RELEASES
        .iter()
        .find(|(m, _)| *m == minor)
        .map(|(_, tag)| *tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [HelmComponent; 6] = [
        HelmComponent::ClusterAutoscaler,
        HelmComponent::KarpenterCrd,
        HelmComponent::Karpenter,
        HelmComponent::NvidiaDevicePlugin,
        HelmComponent::NeuronDevicePlugin,
        HelmComponent::EfaDevicePlugin,
    ];

    #[test]
    fn every_component_has_exactly_one_exact_pin() {
        for c in ALL {
            assert_eq!(
                PINNED_CHARTS.iter().filter(|p| p.component == c).count(),
                1,
                "{c:?}"
            );
            let v = pinned(c).version.trim_start_matches('v');
            let parts: Vec<&str> = v.split('.').collect();
            assert_eq!(parts.len(), 3, "{c:?}: {v}");
            assert!(
                parts.iter().all(|p| p.parse::<u32>().is_ok()),
                "{c:?}: {v} is not an exact version"
            );
        }
    }

    #[test]
    fn karpenter_crd_and_controller_share_a_version() {
        assert_eq!(
            pinned(HelmComponent::KarpenterCrd).version,
            pinned(HelmComponent::Karpenter).version
        );
    }

    #[test]
    fn autoscaler_release_matches_the_kubernetes_minor() {
        assert_eq!(cluster_autoscaler_release("1.33"), Some("v1.33.6"));
        assert_eq!(cluster_autoscaler_release("1.99"), None);
        for (minor, tag) in CLUSTER_AUTOSCALER_RELEASES {
            assert!(tag.starts_with(&format!("v1.{minor}.")), "{tag}");
        }
    }
}
