//! The numbers AWS publishes must come out of `eksgen plan` (issue: core, "Done when").
//! Intents are written from the AWS AI-on-EKS networking guidance and the max-pods docs.

use eksgen::plan::{MaxPodsPath, Plan};

fn plan(body: &str) -> Plan {
    let text = format!(
        "apiVersion: eksgen/v1alpha1\nkind: ClusterIntent\nmetadata:\n  name: t\nspec:\n  region: us-west-2\n  kubernetesVersion: \"1.34\"\n{body}"
    );
    eksgen::pipeline::plan_from_text(&text, "test.yaml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn warm_eni_target_one_holds_60_and_100_addresses() {
    let p = plan(
        "  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
    cni: { mode: secondary-ip, warmEniTarget: 1 }
  nodeGroups:
    - { name: a, instanceTypes: [m5.8xlarge], scaling: { min: 1, desired: 1, max: 2 }, podsPerNode: 10 }
    - { name: b, instanceTypes: [m5.16xlarge], scaling: { min: 1, desired: 1, max: 2 }, podsPerNode: 10 }
",
    );
    assert_eq!(
        p.network.cni.env.get("WARM_ENI_TARGET").map(String::as_str),
        Some("1")
    );
    assert_eq!(
        p.network.cni.env.len(),
        1,
        "an ENI-target override gets no IP targets: {:?}",
        p.network.cni.env
    );
    assert_eq!(p.node_group("a").unwrap().ips_per_node, 60);
    assert_eq!(p.node_group("b").unwrap().ips_per_node, 100);
    assert_eq!(p.node_group("b").unwrap().ips_at_max, 200);
}

#[test]
fn c5_4xlarge_with_prefix_delegation_runs_110_pods() {
    let p = plan(
        "  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
    cni: { mode: prefix-delegation }
  nodeGroups:
    - { name: web, instanceTypes: [c5.4xlarge], scaling: { min: 1, desired: 1, max: 3 }, podsPerNode: 100 }
",
    );
    let g = p.node_group("web").unwrap();
    assert_eq!(g.max_pods, 110);
    assert!(
        g.max_pods_reason.contains("capped at 110"),
        "{}",
        g.max_pods_reason
    );
    assert_eq!(p.network.cni.env["ENABLE_PREFIX_DELEGATION"], "true");
}

#[test]
fn c5_18xlarge_with_max_eni_1_runs_51_pods() {
    let p = plan(
        "  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
    cni: { mode: secondary-ip, maxEni: 1 }
  nodeGroups:
    - { name: big, instanceTypes: [c5.18xlarge], scaling: { min: 1, desired: 1, max: 3 }, podsPerNode: 40 }
",
    );
    let g = p.node_group("big").unwrap();
    assert_eq!(g.max_pods, 51);
    assert_eq!(p.network.cni.env["MAX_ENI"], "1");
    // EKS's own value would ignore MAX_ENI: the group must carry eksgen's value itself.
    assert_eq!(g.max_pods_delivery.path, MaxPodsPath::CustomAmi);
    assert_eq!(g.max_pods_delivery.eks_injected_max_pods, Some(250));
}

const TINY_VPC: &str = "  network:
    vpcCidr: 10.0.0.0/24
    availabilityZones: [us-west-2a, us-west-2b, us-west-2c]
    secondaryCidrs: SECONDARY
    cni: { mode: secondary-ip, warmEniTarget: 1 }
  nodeGroups:
    - { name: ds, instanceTypes: [r5.16xlarge], onePodPerNode: true, podsPerNode: 1, scaling: { min: 12, desired: 12, max: 12 } }
";

#[test]
fn dozen_one_pod_nodes_under_warm_eni_target_do_not_fit_a_24() {
    let p = plan(&TINY_VPC.replace("SECONDARY", "none"));
    let g = p.node_group("ds").unwrap();
    assert_eq!(g.ips_per_node, 100, "{}", g.ip_accounting.reason);
    let f = p
        .findings
        .iter()
        .find(|f| f.id == "EKSG003")
        .expect("subnet shortfall finding");
    assert!(f.message.contains("holds 256 addresses"), "{}", f.message);
    assert!(f.message.contains("short by"), "{}", f.message);
    assert!(f.hint.contains("secondaryCidrs: auto"), "{}", f.hint);
    assert!(p.has_errors());
    // Rendering refuses such a plan.
    assert!(eksgen::render::render(&p, "t.yaml").is_err());
}

#[test]
fn the_same_cluster_fits_with_auto_secondary_cidrs() {
    let p = plan(&TINY_VPC.replace("SECONDARY", "auto"));
    assert!(!p.has_errors(), "{:?}", p.findings);
    assert!(p.network.custom_networking);
    assert_eq!(
        p.network
            .secondary_cidrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["100.64.0.0/16"]
    );
    assert_eq!(
        p.network.cni.env["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"],
        "true"
    );
    let g = p.node_group("ds").unwrap();
    // One ENI fewer for pods; the pods' two ENIs come from the pod subnet.
    assert_eq!(g.ip_accounting.pod_subnet_ips, 100);
    assert_eq!(g.ip_accounting.node_subnet_ips, 1);
    for s in p.subnets(eksgen::plan::SubnetRole::Pod) {
        assert!(s.usable_ips >= s.ips_needed_at_max);
        assert!(p.network.secondary_cidrs[0].contains(s.cidr));
    }
}
