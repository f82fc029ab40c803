//! Property tests over random valid intents: subnets never overlap, stay inside their CIDRs
//! and hold what their node groups need at max scale.

use eksgen::plan::{Plan, SubnetRole};
use proptest::prelude::*;

const TYPES: &[&str] = &[
    "m6i.large",
    "m5.8xlarge",
    "c5.4xlarge",
    "r5.16xlarge",
    "p5.48xlarge",
    "g6.xlarge",
    "t3.small",
    "m4.large",
    "c5.18xlarge",
];
const AZS: &[&str] = &["us-west-2a", "us-west-2b", "us-west-2c"];

#[derive(Debug, Clone)]
struct Group {
    ty: usize,
    max: u32,
    pods: Option<u32>,
    pinned: bool,
}

fn intent_text(
    vpc_prefix: u8,
    azs: usize,
    secondary: usize,
    mode: usize,
    groups: &[Group],
) -> String {
    let mut s = format!(
        "apiVersion: eksgen/v1alpha1\nkind: ClusterIntent\nmetadata: {{name: p}}\nspec:\n  region: us-west-2\n  kubernetesVersion: \"1.34\"\n  network:\n    vpcCidr: 10.0.0.0/{vpc_prefix}\n    availabilityZones: [{}]\n    secondaryCidrs: {}\n    cni: {{mode: {}}}\n  nodeGroups:\n",
        AZS[..azs].join(", "),
        ["auto", "none", "[100.64.0.0/16]"][secondary],
        ["auto", "prefix-delegation", "secondary-ip"][mode],
    );
    // Always-on untainted nodes for coredns (EKSG027); sized like the others below.
    s.push_str("    - name: system\n      instanceTypes: [m6i.large]\n      scaling: {min: 1, desired: 1, max: 2}\n");
    for (i, g) in groups.iter().enumerate() {
        s.push_str(&format!(
            "    - name: g{i}\n      instanceTypes: [{}]\n      scaling: {{min: 0, desired: 0, max: {}}}\n",
            TYPES[g.ty], g.max
        ));
        if let Some(p) = g.pods {
            s.push_str(&format!("      podsPerNode: {p}\n"));
        }
        if g.pinned {
            s.push_str("      availabilityZones: [us-west-2a]\n");
        }
    }
    s
}

fn check(plan: &Plan) -> Result<(), TestCaseError> {
    let subnets = &plan.network.subnets;
    for (i, a) in subnets.iter().enumerate() {
        let inside = match a.role {
            SubnetRole::Pod => plan
                .network
                .secondary_cidrs
                .iter()
                .any(|c| c.contains(a.cidr)),
            _ => plan.network.vpc_cidr.contains(a.cidr),
        };
        prop_assert!(inside, "{} {} outside its CIDR", a.name, a.cidr);
        prop_assert!(a.usable_ips >= a.ips_needed_at_max, "{} too small", a.name);
        prop_assert_eq!(a.usable_ips, a.cidr.size() - 5);
        for b in &subnets[i + 1..] {
            prop_assert!(!a.cidr.overlaps(b.cidr), "{} overlaps {}", a.name, b.name);
        }
    }
    for az in &plan.network.availability_zones {
        let role = if plan.network.custom_networking {
            SubnetRole::Pod
        } else {
            SubnetRole::Private
        };
        let subnet = plan
            .subnets(role)
            .find(|s| &s.az == az)
            .expect("subnet per AZ");
        let needed: u64 = plan
            .node_groups
            .iter()
            .filter(|g| g.availability_zones.contains(az))
            .map(|g| {
                let per_node = if plan.network.custom_networking {
                    g.ip_accounting.pod_subnet_ips
                } else {
                    g.ip_accounting.node_subnet_ips
                };
                per_node * u64::from(g.scaling.max).div_ceil(g.availability_zones.len() as u64)
            })
            .sum();
        prop_assert!(
            subnet.ips_needed_at_max >= needed,
            "{az}: {} < {needed}",
            subnet.ips_needed_at_max
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn random_intents_lay_out_safely(
        vpc_prefix in 16u8..=24,
        azs in 2usize..=3,
        secondary in 0usize..3,
        mode in 0usize..3,
        groups in proptest::collection::vec(
            (0..TYPES.len(), 1u32..60, proptest::option::of(1u32..10), any::<bool>())
                .prop_map(|(ty, max, pods, pinned)| Group { ty, max, pods, pinned }),
            1..4,
        ),
    ) {
        let text = intent_text(vpc_prefix, azs, secondary, mode, &groups);
        match eksgen::pipeline::plan_from_text(&text, "prop.yaml") {
            Ok(plan) if !plan.has_errors() => check(&plan)?,
            Ok(plan) => prop_assert!(plan.findings.iter().any(|f| f.id == "EKSG003" || f.id == "EKSG005"), "{:?}", plan.findings),
            // Valid input can still ask for more pods than a type allows; that is an input error, not a crash.
            Err(e) => prop_assert!(e.to_string().contains("podsPerNode"), "{e}"),
        }
    }
}
