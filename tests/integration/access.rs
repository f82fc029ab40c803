//! Who can reach and change what: the IAM roles, node settings and security group rules the
//! Terraform output gives, checked against what the module code and AWS do with them.

use eksgen::plan::Plan;
use hcl::expr::{Expression, ObjectKey};

fn plan_from(text: &str, origin: &str) -> Plan {
    let catalog = eksgen::catalog::Catalog::embedded();
    let intent = eksgen::intent::parse_and_validate(text, origin, catalog)
        .unwrap_or_else(|e| panic!("{origin}: {e}"));
    eksgen::resolve::resolve(&intent, catalog).unwrap_or_else(|e| panic!("{origin}: {e:?}"))
}

fn fixture_text(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/intents/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_plan(name: &str) -> Plan {
    plan_from(&fixture_text(name), name)
}

/// The presets and every Terraform fixture.
/// Every preset and fixture that builds its own VPC and cluster: in an existing VPC or
/// cluster (issue 13) the subnets, endpoints and node security group are the user's, and
/// eksgen's IAM roles are not rendered for an existing cluster.
fn all_plans() -> Vec<(String, Plan)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intents");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    names.sort();
    let mut out: Vec<(String, Plan)> = names.iter().map(|n| (n.clone(), fixture_plan(n))).collect();
    for (name, _, text) in eksgen::presets::PRESETS {
        out.push((format!("preset {name}"), plan_from(text, name)));
    }
    out.retain(|(_, p)| p.network.existing_vpc.is_none() && p.existing_cluster.is_none());
    out
}

fn body_of(plan: &Plan) -> hcl::Body {
    let mut all = hcl::Body::builder();
    for (path, text) in eksgen::render::render(plan, "origin.yaml").expect("render") {
        if path.ends_with(".tf") {
            let body: hcl::Body = hcl::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            for s in body {
                all = all.add_structure(s);
            }
        }
    }
    all.build()
}

fn block<'a>(body: &'a hcl::Body, kind: &str, labels: &[&str]) -> Option<&'a hcl::Block> {
    body.blocks().find(|b| {
        b.identifier() == kind
            && b.labels().len() >= labels.len()
            && labels.iter().zip(b.labels()).all(|(l, b)| *l == b.as_str())
    })
}

fn arg<'a>(block: &'a hcl::Block, name: &str) -> Option<&'a Expression> {
    block
        .body()
        .attributes()
        .find(|a| a.key() == name)
        .map(hcl::Attribute::expr)
}

fn key_text(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(i) => i.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        other => panic!("object key is not a literal: {other:?}"),
    }
}

fn field<'a>(e: &'a Expression, name: &str) -> Option<&'a Expression> {
    let Expression::Object(obj) = e else {
        panic!("not an object: {e:?}")
    };
    obj.iter()
        .find(|(k, _)| key_text(k) == name)
        .map(|(_, v)| v)
}

fn entries(e: &Expression) -> Vec<(String, &Expression)> {
    let Expression::Object(obj) = e else {
        panic!("not an object: {e:?}")
    };
    obj.iter().map(|(k, v)| (key_text(k), v)).collect()
}

fn literal(e: &Expression) -> String {
    match e {
        Expression::String(s) => s.clone(),
        Expression::Number(n) => n.to_string(),
        Expression::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Every node group entry of module "eks", with the plan's group.
fn groups<'a>(
    plan: &'a Plan,
    body: &'a hcl::Body,
) -> Vec<(&'a eksgen::plan::NodeGroupPlan, &'a Expression)> {
    let eks = block(body, "module", &["eks"]).expect("module eks");
    let mut out = Vec::new();
    for input in ["eks_managed_node_groups", "self_managed_node_groups"] {
        if let Some(map) = arg(eks, input) {
            for (name, entry) in entries(map) {
                let g = plan
                    .node_groups
                    .iter()
                    .find(|g| g.name == name)
                    .expect("plan group");
                out.push((g, entry));
            }
        }
    }
    out
}

/// B6: an EFA group on a capacity reservation lists its interfaces itself, so the module
/// creates no placement group (it does whenever `enable_efa_support` is true), with the
/// all-self rules the module would otherwise add (v21: on the group's security group).
#[test]
fn capacity_block_efa_groups_get_interfaces_and_no_placement_group() {
    for (v20, text) in [
        (false, fixture_text("tf-capacity-block")),
        (
            true,
            fixture_text("tf-capacity-block").replace(
                "  kubernetesVersion: \"1.34\"\n",
                "  kubernetesVersion: \"1.34\"\n  terraform:\n    eksModule: \"20\"\n",
            ),
        ),
    ] {
        let plan = plan_from(&text, "tf-capacity-block");
        assert_eq!(plan.eks_module == eksgen::plan::EksModule::V20, v20);
        let body = body_of(&plan);
        let (g, entry) = groups(&plan, &body)
            .into_iter()
            .find(|(g, _)| g.efa)
            .expect("EFA group");
        assert!(!g.placement_group && g.capacity_reservation_id.is_some());
        assert!(
            field(entry, "enable_efa_support").is_none(),
            "module would add a placement group"
        );
        assert!(field(entry, "create_placement_group").is_none());
        let Some(Expression::Array(nics)) = field(entry, "network_interfaces") else {
            panic!("no network_interfaces list")
        };
        assert_eq!(nics.len() as u32, g.efa_interfaces);
        assert!(g.efa_interfaces > 1, "p5 has many network cards");
        for (card, nic) in nics.iter().enumerate() {
            let get = |k| literal(field(nic, k).unwrap_or_else(|| panic!("no {k}")));
            assert_eq!(get("network_card_index"), card.to_string());
            assert_eq!(get("device_index"), if card == 0 { "0" } else { "1" });
            assert_eq!(
                get("interface_type"),
                if card == 0 { "efa" } else { "efa-only" }
            );
        }
        let eks = block(&body, "module", &["eks"]).unwrap();
        if v20 {
            // v20 groups have no security group of their own: the root EFA flag puts the
            // all-self rules on the shared node security group.
            assert!(field(entry, "security_group_ingress_rules").is_none());
            assert_eq!(
                arg(eks, "enable_efa_support").map(literal).as_deref(),
                Some("true")
            );
        } else {
            for dir in [
                "security_group_ingress_rules",
                "security_group_egress_rules",
            ] {
                let rules = field(entry, dir).unwrap_or_else(|| panic!("no {dir}"));
                let (_, rule) = &entries(rules)[0];
                assert_eq!(literal(field(rule, "ip_protocol").unwrap()), "-1");
                assert_eq!(literal(field(rule, "self").unwrap()), "true");
            }
        }
    }
}

/// M8: no pod reaches the node role (hop limit 1 everywhere, as the plan says), and the
/// node role does not carry the CNI policy, which vpc-cni gets through its own role.
#[test]
fn nodes_keep_pods_away_from_the_node_role() {
    for (name, plan) in all_plans() {
        let body = body_of(&plan);
        for (g, entry) in groups(&plan, &body) {
            assert_eq!(g.instance_metadata.hop_limit, 1, "{name} {}", g.name);
            let meta = field(entry, "metadata_options").expect("metadata_options");
            assert_eq!(
                literal(field(meta, "http_put_response_hop_limit").unwrap()),
                g.instance_metadata.hop_limit.to_string(),
                "{name} {}",
                g.name
            );
            assert_eq!(literal(field(meta, "http_tokens").unwrap()), "required");
            assert_eq!(
                field(entry, "iam_role_attach_cni_policy")
                    .map(literal)
                    .as_deref(),
                Some("false"),
                "{name} {}",
                g.name
            );
        }
        let eks = block(&body, "module", &["eks"]).unwrap();
        let addons = arg(eks, "addons")
            .or_else(|| arg(eks, "cluster_addons"))
            .unwrap();
        let cni = field(addons, "vpc-cni").expect("vpc-cni add-on");
        let Some(Expression::Array(assoc)) = field(cni, "pod_identity_association") else {
            panic!("{name}: vpc-cni has no pod_identity_association")
        };
        assert_eq!(assoc.len(), 1);
        assert_eq!(
            literal(field(&assoc[0], "service_account").unwrap()),
            "aws-node"
        );
        assert_eq!(
            literal(field(&assoc[0], "role_arn").unwrap()),
            "aws_iam_role.vpc_cni.arn"
        );
        let role = block(&body, "resource", &["aws_iam_role", "vpc_cni"]).expect("vpc_cni role");
        assert_eq!(
            arg(role, "name").map(literal),
            plan.workload_roles
                .iter()
                .find(|r| r.service_account == "aws-node")
                .map(|r| r.name.clone())
        );
    }
}

/// M5: cluster-autoscaler gets its own role for kube-system/cluster-autoscaler, and may
/// resize exactly the Auto Scaling groups that carry this cluster's discovery tag.
#[test]
fn cluster_autoscaler_role_matches_the_tags_on_its_groups() {
    let mut with_ca = 0;
    for (name, plan) in all_plans() {
        let body = body_of(&plan);
        let assoc = block(
            &body,
            "resource",
            &["aws_eks_pod_identity_association", "cluster_autoscaler"],
        );
        assert_eq!(
            assoc.is_some(),
            plan.autoscaling.cluster_autoscaler,
            "{name}"
        );
        let Some(assoc) = assoc else { continue };
        with_ca += 1;
        assert_eq!(literal(arg(assoc, "namespace").unwrap()), "kube-system");
        assert_eq!(
            literal(arg(assoc, "service_account").unwrap()),
            "cluster-autoscaler"
        );
        let policy = block(
            &body,
            "data",
            &["aws_iam_policy_document", "cluster_autoscaler"],
        )
        .unwrap();
        let scale = policy
            .body()
            .blocks()
            .find(|s| {
                s.body()
                    .attributes()
                    .any(|a| a.key() == "sid" && literal(a.expr()) == "ScaleOwnNodeGroups")
            })
            .expect("scale statement");
        let cond = scale
            .body()
            .blocks()
            .find(|b| b.identifier() == "condition")
            .unwrap();
        let variable = literal(arg(cond, "variable").unwrap());
        let tag = variable
            .strip_prefix("aws:ResourceTag/")
            .expect("resource tag condition");
        // Every group cluster-autoscaler should resize carries that tag with value "owned".
        for g in plan
            .node_groups
            .iter()
            .filter(|g| g.provisioner != eksgen::plan::Provisioner::Karpenter)
        {
            assert_eq!(
                g.autoscaler_tags.get(tag).map(String::as_str),
                Some("owned"),
                "{name} {}",
                g.name
            );
        }
    }
    assert!(with_ca >= 2);
}

/// m4: pods on different nodes reach each other on every port (pods use the node security
/// group), with no rule twice (AWS rejects a duplicate permission).
#[test]
fn node_security_group_allows_all_ports_between_nodes_once() {
    for (name, plan) in all_plans() {
        let body = body_of(&plan);
        let eks = block(&body, "module", &["eks"]).unwrap();
        let root_efa = arg(eks, "enable_efa_support").is_some();
        let rules = arg(eks, "node_security_group_additional_rules");
        if root_efa {
            // The module's own all-self EFA rules (v20) already open every port.
            assert!(plan.eks_module == eksgen::plan::EksModule::V20, "{name}");
            assert!(
                rules.is_none(),
                "{name}: would duplicate the module's EFA rule"
            );
            continue;
        }
        let rules = rules.unwrap_or_else(|| panic!("{name}: no node rules"));
        let ingress_self: Vec<_> = entries(rules)
            .into_iter()
            .filter(|(_, r)| {
                literal(field(r, "type").unwrap()) == "ingress"
                    && field(r, "self").map(literal).as_deref() == Some("true")
            })
            .collect();
        assert_eq!(ingress_self.len(), 1, "{name}");
        assert_eq!(literal(field(ingress_self[0].1, "protocol").unwrap()), "-1");
    }
}

/// B8: with terraform-aws-eks v20 the Karpenter controller policy gets what v21's has for
/// placement groups and capacity reservations.
#[test]
fn v20_karpenter_controller_can_use_placement_groups() {
    let text = fixture_text("k8s-efa-training");
    let v20 = text.replacen("spec:\n", "spec:\n  terraform:\n    eksModule: \"20\"\n", 1);
    let plan = plan_from(&v20, "k8s-efa-training v20");
    assert_eq!(plan.eks_module, eksgen::plan::EksModule::V20);
    assert!(
        plan.node_groups
            .iter()
            .any(|g| g.placement_group_name.is_some())
    );
    let body = body_of(&plan);
    let karpenter = block(&body, "module", &["karpenter"]).expect("karpenter module");
    let statements = arg(karpenter, "iam_policy_statements")
        .expect("statements")
        .to_string();
    for want in [
        "placement-group/*",
        "ec2:RunInstances",
        "ec2:DescribePlacementGroups",
        "ec2:DescribeCapacityReservations",
    ] {
        assert!(statements.contains(want), "missing {want}: {statements}");
    }
    let v21 = body_of(&fixture_plan("k8s-efa-training"));
    let karpenter = block(&v21, "module", &["karpenter"]).unwrap();
    assert!(
        arg(karpenter, "iam_policy_statements").is_none(),
        "v21 has them built in"
    );
}

/// M6, M7: listed admins replace the `apply` caller (access entries and KMS key
/// administrators), and admin networks reach the private endpoint on 443 only.
#[test]
fn named_admins_and_admin_networks() {
    let plan = fixture_plan("tf-access");
    let body = body_of(&plan);
    let eks = block(&body, "module", &["eks"]).unwrap();
    assert_eq!(
        arg(eks, "enable_cluster_creator_admin_permissions")
            .map(literal)
            .as_deref(),
        Some("false")
    );
    let Some(Expression::Array(kms)) = arg(eks, "kms_key_administrators") else {
        panic!("no kms_key_administrators")
    };
    let want: Vec<String> = plan
        .cluster_admins
        .principals
        .iter()
        .map(|p| p.principal_arn.clone())
        .collect();
    assert_eq!(kms.iter().map(literal).collect::<Vec<_>>(), want);
    let entries_ = entries(arg(eks, "access_entries").expect("access_entries"));
    assert_eq!(entries_.len(), want.len());
    for ((_, e), arn) in entries_.iter().zip(&want) {
        assert_eq!(&literal(field(e, "principal_arn").unwrap()), arn);
        let assoc = field(field(e, "policy_associations").unwrap(), "cluster_admin").unwrap();
        assert!(
            literal(field(assoc, "policy_arn").unwrap()).ends_with("/AmazonEKSClusterAdminPolicy")
        );
        assert_eq!(
            literal(field(field(assoc, "access_scope").unwrap(), "type").unwrap()),
            "cluster"
        );
    }
    // v20 input name (the fixture pins eksModule 20).
    let rules = arg(eks, "cluster_security_group_additional_rules").expect("admin rules");
    let cidrs: Vec<String> = entries(rules)
        .into_iter()
        .map(|(_, r)| {
            assert_eq!(literal(field(r, "type").unwrap()), "ingress");
            assert_eq!(literal(field(r, "from_port").unwrap()), "443");
            assert_eq!(literal(field(r, "to_port").unwrap()), "443");
            let Some(Expression::Array(c)) = field(r, "cidr_blocks") else {
                panic!()
            };
            literal(&c[0])
        })
        .collect();
    assert_eq!(cidrs, plan.endpoint.private_access_cidrs);

    // Without admins the module default stays, and nothing else is emitted.
    let preset = body_of(&plan_from(eksgen::presets::PRESETS[0].2, "preset"));
    let eks = block(&preset, "module", &["eks"]).unwrap();
    assert_eq!(
        arg(eks, "enable_cluster_creator_admin_permissions")
            .map(literal)
            .as_deref(),
        Some("true")
    );
    assert!(arg(eks, "access_entries").is_none() && arg(eks, "kms_key_administrators").is_none());
}

/// M11: every cluster gets the free S3 gateway endpoint on the node subnets' route tables;
/// interface endpoints only when asked, each in the node subnets behind a 443 rule that also
/// admits pod addresses from secondary CIDRs.
#[test]
fn vpc_endpoints_follow_the_plan() {
    for (name, plan) in all_plans() {
        let body = body_of(&plan);
        let s3 = block(&body, "resource", &["aws_vpc_endpoint", "s3"])
            .unwrap_or_else(|| panic!("{name}: no S3 endpoint"));
        assert_eq!(literal(arg(s3, "vpc_endpoint_type").unwrap()), "Gateway");
        assert_eq!(
            literal(arg(s3, "service_name").unwrap()),
            format!("com.amazonaws.{}.s3", plan.region)
        );
        assert_eq!(
            literal(arg(s3, "route_table_ids").unwrap()),
            "module.vpc.private_route_table_ids"
        );
        let interface: Vec<_> = plan
            .network
            .vpc_endpoints
            .iter()
            .filter(|e| e.endpoint_type == eksgen::plan::VpcEndpointType::Interface)
            .collect();
        for e in &interface {
            let r = block(
                &body,
                "resource",
                &["aws_vpc_endpoint", &e.service.replace('.', "_")],
            )
            .expect("interface endpoint");
            assert_eq!(
                literal(arg(r, "service_name").unwrap()),
                format!("com.amazonaws.{}.{}", plan.region, e.service)
            );
            assert_eq!(literal(arg(r, "private_dns_enabled").unwrap()), "true");
        }
        let sg = block(&body, "resource", &["aws_security_group", "vpc_endpoints"]);
        assert_eq!(sg.is_some(), !interface.is_empty(), "{name}");
        if let Some(sg) = sg {
            let ingress = sg
                .body()
                .blocks()
                .find(|b| b.identifier() == "ingress")
                .unwrap();
            assert_eq!(literal(arg(ingress, "from_port").unwrap()), "443");
            assert!(
                literal(arg(ingress, "cidr_blocks").unwrap()).contains("vpc_secondary_cidr_blocks")
            );
        }
    }
    let with = fixture_plan("tf-access");
    let services: Vec<&str> = with
        .network
        .vpc_endpoints
        .iter()
        .map(|e| e.service.as_str())
        .collect();
    assert_eq!(services, ["s3", "ecr.api", "ecr.dkr", "sts"]);
    assert!(
        with.cost
            .notes
            .iter()
            .any(|n| n.contains("3 VPC interface endpoints"))
    );
}

/// m6: node subnets keep room for EKS control-plane interfaces and internal load balancers.
#[test]
fn node_subnets_keep_the_control_plane_and_load_balancer_reserve() {
    use eksgen::plan::SubnetRole;
    use eksgen::resolve::access::PRIVATE_SUBNET_RESERVE;
    for (name, plan) in all_plans() {
        for s in plan
            .network
            .subnets
            .iter()
            .filter(|s| s.role == SubnetRole::Private)
        {
            assert!(
                s.ips_needed_at_max > PRIVATE_SUBNET_RESERVE,
                "{name} {}",
                s.name
            );
            assert!(s.usable_ips >= s.ips_needed_at_max, "{name} {}", s.name);
            assert!(
                s.reason
                    .contains(&format!("includes {PRIVATE_SUBNET_RESERVE} kept free")),
                "{name} {}",
                s.name
            );
        }
    }
}
