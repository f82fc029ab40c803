//! Terminal layout of `plan` and `lint`: every line fits [`WIDTH`] columns (values first,
//! their reasons wrapped beneath them), repeated findings are grouped by rule, and both end
//! with next steps. Colour is ANSI styling from anstyle when asked for; `main` writes
//! through anstream, which drops it where the terminal, `NO_COLOR` or `--color never` say so.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::plan::{Finding, Plan, Severity};

/// Columns every line of `plan` and `lint` text fits in.
pub const WIDTH: usize = 100;

/// Column where a group's values start (`    label       value`).
const VALUE_COL: usize = 16;

/// Styles for one report; all plain when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    color: bool,
}

impl Palette {
    pub fn new(color: bool) -> Palette {
        Palette { color }
    }

    fn paint(self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn heading(self, text: &str) -> String {
        self.paint(Style::new().bold().underline(), text)
    }

    fn strong(self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    fn dim(self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    fn severity(self, s: Severity) -> String {
        let color = match s {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        self.paint(Style::new().bold().fg_color(Some(color.into())), s.as_str())
    }
}

/// Word-wrap `text` into lines of at most `width - indent` characters, each prefixed by
/// `indent` spaces. A word longer than the room stays whole on its own line.
pub fn wrap(text: &str, indent: usize, width: usize) -> Vec<String> {
    let room = width.saturating_sub(indent).max(20);
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > room {
            lines.push(format!("{pad}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(format!("{pad}{line}"));
    }
    lines
}

fn push_wrapped(o: &mut String, text: &str, indent: usize) {
    push_hanging(o, text, indent, indent);
}

/// Wrapped text whose first line starts at `first` and the rest at `rest` columns.
fn push_hanging(o: &mut String, text: &str, first: usize, rest: usize) {
    let mut lines = wrap(text, rest, WIDTH).into_iter();
    if let Some(l) = lines.next() {
        let _ = writeln!(o, "{}{}", " ".repeat(first), l.trim());
    }
    for l in lines {
        let _ = writeln!(o, "{}", l.trim_end());
    }
}

/// `    label       value` with the value wrapped at the value column, then the reason
/// wrapped beneath it (dimmed).
fn labelled(o: &mut String, p: Palette, label: &str, value: &str, reason: Option<&str>) {
    let mut lines = wrap(value, VALUE_COL, WIDTH).into_iter();
    let first = lines.next().unwrap_or_default();
    let _ = writeln!(o, "    {label:<11} {}", first.trim_start().trim_end());
    for l in lines {
        let _ = writeln!(o, "{}", l.trim_end());
    }
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        for l in wrap(r, VALUE_COL, WIDTH) {
            let _ = writeln!(o, "{}", p.dim(l.trim_end()));
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `1 error, 2 warnings, 1 info`.
pub fn severity_counts(findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{}, {}, {} info",
        plural(count(Severity::Error), "error", "errors"),
        plural(count(Severity::Warning), "warning", "warnings"),
        count(Severity::Info)
    )
}

/// Findings grouped by rule (severity, then id): the rule once, each occurrence as
/// `[group] message` (followed by `at: FILE:LINE:COL (key path)` when `place` knows where
/// the finding is in the intent), and the hint once when every occurrence shares it.
pub fn findings_grouped(
    findings: &[Finding],
    p: Palette,
    place: &dyn Fn(&Finding) -> Option<String>,
) -> String {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in findings {
        match groups
            .iter_mut()
            .find(|g| g[0].id == f.id && g[0].severity == f.severity)
        {
            Some(g) => g.push(f),
            None => groups.push(vec![f]),
        }
    }
    let mut o = String::new();
    for g in groups {
        let head = g[0];
        let times = if g.len() > 1 {
            format!(" (x{})", g.len())
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  {} {}{times}",
            p.severity(head.severity),
            p.strong(&head.id)
        );
        let shared_hint = g.iter().all(|f| f.hint == head.hint);
        for f in &g {
            let scope = f.node_group.as_deref().unwrap_or("cluster");
            push_hanging(&mut o, &format!("[{scope}] {}", f.message), 4, 6);
            if let Some(at) = place(f) {
                push_wrapped(&mut o, &format!("at: {at}"), 6);
            }
            if !shared_hint {
                push_wrapped(&mut o, &format!("hint: {}", f.hint), 6);
            }
        }
        if shared_hint {
            push_wrapped(&mut o, &format!("hint: {}", head.hint), 4);
        }
    }
    o
}

/// What to run next, given the findings and the cluster name.
fn next_steps(plan: &Plan) -> Vec<String> {
    let has = |s: Severity| plan.findings.iter().any(|f| f.severity == s);
    let out = format!("out/{}", plan.cluster);
    if has(Severity::Error) {
        return vec![
            "fix the errors above in the intent (`eksgen lint` lists them), then `eksgen plan` again"
                .to_string(),
        ];
    }
    let mut steps = Vec::new();
    if has(Severity::Warning) {
        steps.push(
            "review the warnings above (`eksgen lint --deny-warnings` fails CI on them)"
                .to_string(),
        );
    }
    steps.push(format!(
        "`eksgen render -o {out}`, then `terraform init && terraform apply` in {out}"
    ));
    steps.push(format!(
        "`eksgen plan --format svg > {}.svg` draws the address space",
        plan.cluster
    ));
    steps
}

fn numbered(o: &mut String, steps: &[String]) {
    for (i, s) in steps.iter().enumerate() {
        let lines = wrap(s, 5, WIDTH);
        for (j, l) in lines.iter().enumerate() {
            if j == 0 {
                let _ = writeln!(o, "  {}. {}", i + 1, l.trim_start().trim_end());
            } else {
                let _ = writeln!(o, "{}", l.trim_end());
            }
        }
    }
}

/// `eksgen lint` as text: grouped findings with where each is in the intent
/// (`origin:line:col (key path)`; `locate` maps a key path to its line and column), counts,
/// next step.
pub fn lint_text(
    findings: &[Finding],
    color: bool,
    origin: &str,
    locate: impl Fn(&str) -> Option<(usize, usize)>,
) -> String {
    let p = Palette::new(color);
    if findings.is_empty() {
        return "no findings\n".to_string();
    }
    let place = |f: &Finding| {
        Some(match locate(&f.path) {
            Some((line, col)) => format!("{origin}:{line}:{col} ({})", f.path),
            None => format!("{origin} ({})", f.path),
        })
    };
    let mut o = findings_grouped(findings, p, &place);
    let _ = writeln!(o, "{}", p.strong(&severity_counts(findings)));
    let step = if findings.iter().any(|f| f.severity == Severity::Error) {
        "next: fix the errors in the intent; render refuses a plan with errors"
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        "next: act on the warnings or accept them; `--deny-warnings` makes them fail CI"
    } else {
        "next: nothing required; `eksgen render` writes the files"
    };
    push_wrapped(&mut o, step, 0);
    o
}

/// The short block `render` prints after writing: findings new since the last render (the
/// manifest's `findings.*` numbers) and what to do with the files now in `dir`.
/// `files` are the paths the render produced, relative to `dir`.
pub fn render_summary(
    plan: &Plan,
    dir: &str,
    previous: &std::collections::BTreeMap<String, String>,
    files: &[String],
    color: bool,
) -> String {
    let p = Palette::new(color);
    let mut o = String::new();
    let first_render = !previous.keys().any(|k| !k.starts_with("findings."));
    let new: Vec<&Finding> = plan
        .findings
        .iter()
        .filter(|f| {
            let key = format!(
                "findings.{}.{}",
                f.id,
                f.node_group.as_deref().unwrap_or("cluster")
            );
            !previous.contains_key(&key)
        })
        .collect();
    if !new.is_empty() {
        let what = if first_render {
            "findings"
        } else {
            "new findings since the last render"
        };
        let _ = writeln!(o, "{} ({}):", p.strong(what), new.len());
        for f in &new {
            push_hanging(
                &mut o,
                &format!(
                    "{} {} [{}] {}",
                    p.severity(f.severity),
                    f.id,
                    f.node_group.as_deref().unwrap_or("cluster"),
                    f.message
                ),
                2,
                4,
            );
        }
    }
    let mut steps = vec![format!("cd {dir} && terraform init && terraform apply")];
    if files.iter().any(|f| f == "eniconfigs.yaml.tftpl") {
        steps.push(
            "as soon as the cluster exists: terraform output -raw eniconfigs_yaml | kubectl apply -f -"
                .to_string(),
        );
    }
    let chart_values: Vec<&str> = files
        .iter()
        .filter(|f| f.starts_with("helm/") || f.starts_with("device-plugins/"))
        .map(String::as_str)
        .collect();
    if files.iter().any(|f| f == "helm.tf") {
        steps[0].push_str(&format!(
            " (helm.tf installs the charts with {} from this machine: it must reach the cluster's API)",
            chart_values.join(", ")
        ));
    } else if !chart_values.is_empty() {
        steps.push(format!(
            "install the charts with Helm using {} (the pinned command is in each file's header)",
            chart_values.join(", ")
        ));
    }
    if files.iter().any(|f| f.starts_with("karpenter/")) {
        steps.push(format!(
            "once the Karpenter controller runs: kubectl apply -f {dir}/karpenter/"
        ));
    }
    if files.iter().any(|f| f.ends_with(".storage.yaml")) {
        steps.push(format!(
            "kubectl apply -f each {dir}/workloads/*.storage.yaml (StorageClass and example claim) in the namespace of its notebooks"
        ));
    }
    if files.iter().any(|f| f.ends_with(".network-policy.yaml")) {
        steps.push(format!(
            "kubectl apply -n <namespace> -f {dir}/workloads/default-deny.network-policy.yaml for each workload namespace"
        ));
    }
    if files.iter().any(|f| {
        f.starts_with("workloads/")
            && !f.ends_with(".storage.yaml")
            && !f.ends_with(".network-policy.yaml")
    }) {
        steps.push(format!(
            "merge the snippets in {dir}/workloads/ into each group's workloads"
        ));
    }
    let _ = writeln!(o, "{}", p.strong("next:"));
    numbered(&mut o, &steps);
    o
}

fn money(v: f64) -> String {
    format!("{v:.2}")
}

/// `eksgen plan` as text.
pub fn plan_text(plan: &Plan, color: bool) -> String {
    let p = Palette::new(color);
    let mut o = String::new();
    let net = &plan.network;
    push_wrapped(
        &mut o,
        &format!(
            "cluster {} ({}, Kubernetes {}, terraform-aws-eks v{})",
            plan.cluster, plan.region, plan.kubernetes_version, plan.eks_module
        ),
        0,
    );
    if !plan.addon_versions.is_empty() {
        let addons: Vec<String> = plan
            .addon_versions
            .iter()
            .map(|(name, v)| format!("{name} {v}"))
            .collect();
        push_wrapped(
            &mut o,
            &format!("add-ons (pinned): {}", addons.join(", ")),
            2,
        );
    }

    let _ = writeln!(o, "\n{} {}", p.heading("VPC CNI:"), net.cni.mode);
    for l in wrap(&net.cni.mode_reason, 2, WIDTH) {
        let _ = writeln!(o, "{}", p.dim(l.trim_end()));
    }
    for s in &net.cni.settings {
        let _ = writeln!(o, "  {}={}  [{}]", s.name, s.value, s.source);
        if s.reason == net.cni.mode_reason {
            continue;
        }
        for l in wrap(&s.reason, 6, WIDTH) {
            let _ = writeln!(o, "{}", p.dim(l.trim_end()));
        }
    }

    let secondary = if net.secondary_cidrs.is_empty() {
        "none".to_string()
    } else {
        net.secondary_cidrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        o,
        "\n{} VPC {}; secondary CIDRs: {secondary}",
        p.heading("Subnets:"),
        net.vpc_cidr
    );
    for l in wrap(&net.secondary_cidrs_reason, 2, WIDTH) {
        let _ = writeln!(o, "{}", p.dim(l.trim_end()));
    }
    if net.subnets.is_empty() {
        let _ = writeln!(o, "  (no layout: see the findings)");
    } else {
        let _ = writeln!(
            o,
            "  {}",
            p.strong(&format!(
                "{:<28} {:<18} {:>8} {:>14}",
                "SUBNET", "CIDR", "USABLE", "NEEDED AT MAX"
            ))
        );
        for s in &net.subnets {
            let _ = writeln!(
                o,
                "  {:<28} {:<18} {:>8} {:>14}",
                s.name,
                s.cidr.to_string(),
                s.usable_ips,
                s.ips_needed_at_max
            );
        }
    }

    let _ = writeln!(o, "\n{}", p.heading("Node groups"));
    for g in &plan.node_groups {
        let head = format!(
            "{} ({}, {}, {}): {} x {}..{} (desired {}) in {}",
            g.name,
            g.provisioner,
            g.ami.ami_type,
            g.capacity_type,
            g.instance_types.join(", "),
            g.scaling.min,
            g.scaling.max,
            g.scaling.desired,
            g.availability_zones.join(", ")
        );
        let mut head_lines = wrap(&head, 4, WIDTH).into_iter();
        let first = head_lines.next().unwrap_or_default();
        let _ = writeln!(o, "  {}", p.strong(first.trim()));
        for l in head_lines {
            let _ = writeln!(o, "{}", l.trim_end());
        }
        if g.instance_types_reason != "named in the intent" {
            labelled(&mut o, p, "type", &g.instance_types_reason, None);
        }
        labelled(
            &mut o,
            p,
            "max pods",
            &g.max_pods.to_string(),
            Some(&g.max_pods_reason),
        );
        // A reason that a finding repeats is shown once, under the finding.
        let delivery_reason = match plan.findings.iter().find(|f| {
            f.node_group.as_deref() == Some(g.name.as_str())
                && f.message == g.max_pods_delivery.reason
        }) {
            Some(f) => format!("see {} under Findings", f.id),
            None => g.max_pods_delivery.reason.clone(),
        };
        labelled(
            &mut o,
            p,
            "delivered",
            g.max_pods_delivery.path.as_str(),
            Some(&delivery_reason),
        );
        labelled(
            &mut o,
            p,
            "AMI",
            &format!("{} (pinned)", g.ami.release),
            Some(&g.ami.release_reason),
        );
        let ipa = &g.ip_accounting;
        labelled(
            &mut o,
            p,
            "addresses",
            &format!(
                "{} per node at {}, {} at max ({}% used by pods; CNI defaults: {}, {}%)",
                g.ips_per_node,
                plural(g.pods_per_node as usize, "pod", "pods"),
                g.ips_at_max,
                ipa.ip_efficiency_pct,
                ipa.ips_per_node_cni_default,
                ipa.ip_efficiency_cni_default_pct
            ),
            Some(&ipa.reason),
        );
        let mut node = format!("{} vCPU, {} GiB", g.vcpu, g.memory_mib / 1024);
        if g.gpus_per_node > 0 {
            let _ = write!(
                node,
                ", {} x {} GPU",
                g.gpus_per_node,
                g.gpu_name.as_deref().unwrap_or("?")
            );
        }
        if g.accelerators_per_node > 0 {
            let _ = write!(
                node,
                ", {} x {}",
                g.accelerators_per_node,
                g.accelerator_name.as_deref().unwrap_or("accelerator")
            );
        }
        if g.efa {
            let _ = write!(node, ", {} EFA interfaces", g.efa_interfaces);
        }
        let _ = write!(
            node,
            "; allocatable {:.2} vCPU, {:.1} GiB",
            g.allocatable.cpu_millicores as f64 / 1000.0,
            g.allocatable.memory_mib as f64 / 1024.0
        );
        labelled(&mut o, p, "node", &node, None);
        labelled(
            &mut o,
            p,
            "allocatable",
            &format!("kube-reserved via {}", g.kubelet_reserved.setting),
            Some(&format!(
                "{}; {}",
                g.allocatable.reason, g.kubelet_reserved.reason
            )),
        );
        labelled(
            &mut o,
            p,
            "disk",
            &format!(
                "{} GiB {} ({} IOPS, {} MiB/s)",
                g.root_volume.size_gib,
                g.root_volume.volume_type,
                g.root_volume.iops,
                g.root_volume.throughput_mibps
            ),
            Some(&g.root_volume.reason),
        );
        if let Some(pull) = &g.image_pull {
            let t = &pull.time_to_ready;
            labelled(
                &mut o,
                p,
                "image pull",
                &format!("about {:.0} s per new node", pull.estimated_pull_seconds),
                Some(&pull.reason),
            );
            labelled(
                &mut o,
                p,
                "ready",
                &format!(
                    "about {:.1} min per new node; largest term: {}",
                    t.seconds / 60.0,
                    t.dominant.describe()
                ),
                Some(&t.reason),
            );
        }
        let bw = &g.network_bandwidth;
        if bw.min_mbps.is_some() || g.efa {
            let gbps = |m: u64| format!("{} Gbps", m as f64 / 1000.0);
            let mut value = bw
                .by_type
                .iter()
                .map(|b| {
                    format!(
                        "{} {}",
                        b.instance_type,
                        b.mbps.map_or("unknown".to_string(), gbps)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            if let Some(min) = bw.min_mbps {
                value = format!("at least {} per node: {value}", gbps(min));
            }
            labelled(&mut o, p, "network", &value, Some(&bw.reason));
        }
        if let Some(efa) = &g.efa_workload {
            let mut value: Vec<String> = efa
                .accelerator
                .iter()
                .map(|a| format!("{} x {}", a.count, a.resource))
                .collect();
            value.push(format!("{} x vpc.amazonaws.com/efa", efa.efa_devices));
            if let Some(h) = &efa.hugepages_2mi {
                value.push(format!("hugepages-2Mi {h}"));
            }
            for e in &efa.env {
                value.push(format!("{}={}", e.name, e.value));
            }
            labelled(
                &mut o,
                p,
                "efa worker",
                &value.join(", "),
                Some(&format!("{}; {}", efa.devices_reason, efa.hugepages_reason)),
            );
        }
        if let Some(k) = &g.karpenter {
            labelled(
                &mut o,
                p,
                "karpenter",
                &format!("{} after {}", k.consolidation_policy, k.consolidate_after),
                Some(&k.consolidation_reason),
            );
            labelled(
                &mut o,
                p,
                "expiry",
                &match &k.termination_grace_period {
                    Some(grace) => format!(
                        "expireAfter {}, drained for at most {grace}",
                        k.expire_after
                    ),
                    None => format!("expireAfter {}", k.expire_after),
                },
                Some(&k.expiry_reason),
            );
        }
        if let Some(storage) = &g.storage {
            labelled(
                &mut o,
                p,
                "storage",
                &format!(
                    "StorageClass {} ({}, {}, {})",
                    storage.storage_class,
                    storage.volume_type,
                    storage.volume_binding_mode,
                    storage.zone
                ),
                Some(&storage.reason),
            );
        }
        match (g.hourly_cost_usd, g.monthly_cost_usd) {
            (Some(h), Some(m)) => labelled(
                &mut o,
                p,
                "cost",
                &format!(
                    "${h:.4}/h per node; ${}/month at desired, ${} at max",
                    money(m.desired),
                    money(m.max)
                ),
                Some(&g.cost_reason),
            ),
            _ => labelled(&mut o, p, "cost", "unknown", Some(&g.cost_reason)),
        }
    }

    o.push_str(&karpenter_text(plan, p));
    o.push_str(&charts_text(plan, p));
    o.push_str(&cost_text(plan, p));

    let _ = writeln!(
        o,
        "\n{} ({})",
        p.heading("Findings"),
        severity_counts(&plan.findings)
    );
    if plan.findings.is_empty() {
        let _ = writeln!(o, "  none");
    }
    o.push_str(&findings_grouped(&plan.findings, p, &|_| None));

    let _ = writeln!(o, "\n{}", p.heading("Next steps"));
    numbered(&mut o, &next_steps(plan));
    o
}

/// Karpenter's install as the EC2NodeClasses name it: who provides its AWS side, the release
/// the NodePools need (and the one an existing cluster runs), the node identity and the
/// selectors, each with its reason. Empty without Karpenter.
fn karpenter_text(plan: &Plan, p: Palette) -> String {
    let mut o = String::new();
    let a = &plan.autoscaling;
    let (Some(resources), Some(nc)) = (a.karpenter_aws_resources, &a.karpenter_node_class) else {
        return o;
    };
    let installed = plan
        .existing_cluster
        .as_ref()
        .and_then(|c| c.karpenter.as_ref())
        .and_then(|k| k.installed_version.as_deref());
    let needs = a
        .karpenter_min_version
        .as_ref()
        .map(|v| format!("; NodePools need >= {}", v.version))
        .unwrap_or_default();
    let side = match resources {
        crate::plan::KarpenterAwsResources::Create => "AWS side created here (karpenter.tf)",
        crate::plan::KarpenterAwsResources::Existing => "the cluster's existing install",
    };
    let _ = writeln!(
        o,
        "\n{} {side}{needs}{}",
        p.heading("Karpenter:"),
        installed
            .map(|v| format!(" (installed {v})"))
            .unwrap_or_default()
    );
    if let Some(v) = &a.karpenter_min_version {
        for l in wrap(&v.reason, 2, WIDTH) {
            let _ = writeln!(o, "{}", p.dim(l.trim_end()));
        }
    }
    let identity = match (&nc.role, &nc.instance_profile) {
        (Some(role), _) => format!("role {role}"),
        (None, Some(profile)) => format!("instance profile {profile}"),
        (None, None) => "none".to_string(),
    };
    let terms = |terms: &[crate::plan::SelectorTerm]| -> String {
        terms
            .iter()
            .map(|t| match t {
                crate::plan::SelectorTerm::Id(id) => id.clone(),
                crate::plan::SelectorTerm::Tags(tags) => tags
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" & "),
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    labelled(&mut o, p, "identity", &identity, Some(&nc.identity_reason));
    labelled(
        &mut o,
        p,
        "subnets",
        &terms(&nc.subnet_selector),
        Some(&nc.subnet_selector_reason),
    );
    labelled(
        &mut o,
        p,
        "groups",
        &terms(&nc.security_group_selector),
        Some(&nc.security_group_selector_reason),
    );
    o
}

/// The Helm charts, how they are installed, and the cluster-autoscaler decisions.
fn charts_text(plan: &Plan, p: Palette) -> String {
    let mut o = String::new();
    if plan.helm.releases.is_empty() {
        return o;
    }
    let _ = writeln!(
        o,
        "\n{} installed by {}",
        p.heading("Charts:"),
        plan.helm.install.as_str()
    );
    for l in wrap(&plan.helm.install_reason, 2, WIDTH) {
        let _ = writeln!(o, "{}", p.dim(l.trim_end()));
    }
    for r in &plan.helm.releases {
        labelled(
            &mut o,
            p,
            "chart",
            &format!("{} {}", r.chart, r.version),
            Some(&r.version_reason),
        );
    }
    if let Some(ca) = &plan.autoscaling.cluster_autoscaler_config {
        labelled(
            &mut o,
            p,
            "expander",
            &ca.expander,
            Some(&ca.expander_reason),
        );
        for level in &ca.priorities {
            labelled(
                &mut o,
                p,
                &format!("priority {}", level.priority),
                &level.node_groups.join(", "),
                Some(&level.reason),
            );
        }
        labelled(
            &mut o,
            p,
            "scale-down",
            &format!(
                "unneeded {}, delay after add {}",
                ca.scale_down.unneeded_time, ca.scale_down.delay_after_add
            ),
            Some(&ca.scale_down.reason),
        );
    }
    o
}

/// The cost table: one row per priced line at desired and at max, its price and source
/// beneath, the total, and the notes on what is left out.
fn cost_text(plan: &Plan, p: Palette) -> String {
    let c = &plan.cost;
    let mut o = String::new();
    let prices = if c.region_priced {
        format!("{} list prices of {}", c.prices_region, c.prices_date)
    } else {
        format!(
            "{} list prices of {}, a reference for {}",
            c.prices_region, c.prices_date, c.region
        )
    };
    let _ = writeln!(
        o,
        "\n{} ({} a month; {prices})",
        p.heading("Cost"),
        c.currency
    );
    let _ = writeln!(
        o,
        "  {}",
        p.strong(&format!(
            "{:<40} {:>14} {:>14}",
            "ITEM", "AT DESIRED", "AT MAX"
        ))
    );
    for i in &c.items {
        let _ = writeln!(
            o,
            "  {:<40} {:>14} {:>14}",
            i.name,
            money(i.monthly_usd.desired),
            money(i.monthly_usd.max)
        );
        let price = if i.unit == "hour" {
            format!("${:.4}/h", i.unit_usd)
        } else {
            format!("${}/{}", i.unit_usd, i.unit)
        };
        for l in wrap(&format!("{price} ({}): {}", i.source, i.reason), 6, WIDTH) {
            let _ = writeln!(o, "{}", p.dim(l.trim_end()));
        }
    }
    let _ = writeln!(
        o,
        "  {}",
        p.strong(&format!(
            "{:<40} {:>14} {:>14}",
            "total",
            money(c.total_monthly_usd.desired),
            money(c.total_monthly_usd.max)
        ))
    );
    for n in &c.notes {
        push_wrapped(&mut o, &format!("note: {n}"), 2);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_whole_and_lines_short() {
        let text = "a b ".repeat(60);
        for l in wrap(&text, 6, 30) {
            assert!(l.chars().count() <= 30, "{l:?}");
            assert!(l.starts_with("      "));
        }
        let long = "x".repeat(50);
        assert_eq!(wrap(&long, 2, 30), vec![format!("  {long}")]);
        assert_eq!(wrap("", 2, 30), vec!["  ".to_string()]);
    }

    #[test]
    fn wrap_loses_no_word() {
        let text = "the quick brown fox jumps over the lazy dog ".repeat(9);
        let joined: Vec<String> = wrap(&text, 4, 40)
            .iter()
            .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect();
        let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        assert_eq!(joined, words);
    }

    #[test]
    fn findings_group_by_rule_with_one_shared_hint() {
        let f = |g: &str, msg: &str| Finding {
            id: "EKSG007".into(),
            severity: Severity::Warning,
            node_group: Some(g.into()),
            message: msg.into(),
            hint: "remove availabilityZones".into(),
            path: "spec.nodeGroups[0].availabilityZones".into(),
        };
        let text = findings_grouped(
            &[
                f("a", "all nodes in one zone"),
                f("b", "all nodes in one zone"),
            ],
            Palette::new(false),
            &|_| None,
        );
        assert_eq!(text.matches("EKSG007").count(), 1, "{text}");
        assert_eq!(text.matches("hint:").count(), 1, "{text}");
        assert!(text.contains("(x2)") && text.contains("[a]") && text.contains("[b]"));
    }

    #[test]
    fn colour_only_when_asked() {
        let f = Finding {
            id: "EKSG001".into(),
            severity: Severity::Error,
            node_group: None,
            message: "m".into(),
            hint: "h".into(),
            path: "spec.network.cni".into(),
        };
        assert!(!lint_text(std::slice::from_ref(&f), false, "t.yaml", |_| None).contains('\x1b'));
        assert!(lint_text(&[f], true, "t.yaml", |_| None).contains("\x1b["));
    }
}
