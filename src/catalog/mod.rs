//! The embedded EC2 instance catalog.
//!
//! Owns the vendored `data/instance-types.csv` (compiled into the binary), its one-time
//! parse into typed [`InstanceType`] records, lookups by name, and "did you mean"
//! suggestions. It knows nothing about intents, plans or files: callers ask it for facts.

pub mod import;
pub mod overlay;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;

/// The vendored catalog source, compiled into the binary.
pub const EMBEDDED_CSV: &str = include_str!("../../data/instance-types.csv");

/// The vendored catalog's export date as a literal, so `--version` can be built with
/// `concat!` from the same source.
#[macro_export]
macro_rules! embedded_catalog_date {
    () => {
        "2026-11"
    };
}

/// Date the vendored catalog was exported; shown by `--version` and `catalog --source`.
pub const EMBEDDED_CATALOG_DATE: &str = embedded_catalog_date!();

/// The column layout of the embedded catalog and of overlays (`eksgen catalog import` writes it).
pub const EXPECTED_HEADER: &str = "instance_type,family,category,generation,size,arch,vcpu,memory_mib,hypervisor,bare_metal,gpu_count,gpu_manufacturer,gpu_name,gpu_memory_mib,accelerator_count,accelerator_manufacturer,accelerator_name,efa_interfaces,network_bandwidth_mbps,local_nvme_gb,max_enis,ipv4_per_eni,network_cards,default_network_card,max_enis_total,trunking,branch_enis,on_demand_usd_hour_us_east_1";

/// CPU architecture as the catalog and Kubernetes (`kubernetes.io/arch`) spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    Amd64,
    Arm64,
}

impl Arch {
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts about one EC2 instance type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceType {
    pub name: String,
    pub family: String,
    pub category: String,
    pub generation: u32,
    pub size: String,
    pub arch: Arch,
    pub vcpu: u32,
    pub memory_mib: u64,
    /// `nitro`, `xen`, or `None` (bare metal reports no hypervisor).
    pub hypervisor: Option<String>,
    pub bare_metal: bool,
    pub gpu_count: u32,
    pub gpu_manufacturer: Option<String>,
    pub gpu_name: Option<String>,
    pub gpu_memory_mib: u64,
    pub accelerator_count: u32,
    pub accelerator_manufacturer: Option<String>,
    pub accelerator_name: Option<String>,
    pub efa_interfaces: u32,
    pub network_bandwidth_mbps: u64,
    pub local_nvme_gb: u64,
    /// ENIs on the default network card: what the VPC CNI and max-pods use.
    pub max_enis: u32,
    pub ipv4_per_eni: u32,
    /// `None` where EC2 reports no network-card list (a few HPC types).
    pub network_cards: Option<u32>,
    pub trunking: bool,
    pub branch_enis: u32,
    /// On-demand price in us-east-1; `None` where the catalog has no price.
    pub on_demand_usd_hour: Option<f64>,
}

impl InstanceType {
    pub fn is_nitro(&self) -> bool {
        self.hypervisor.as_deref() == Some("nitro")
    }

    pub fn has_nvidia_gpu(&self) -> bool {
        self.gpu_count > 0 && self.gpu_manufacturer.as_deref() == Some("nvidia")
    }

    /// AWS Inferentia / Trainium accelerators, served by the Neuron device plugin.
    pub fn has_neuron(&self) -> bool {
        self.accelerator_count > 0 && self.accelerator_manufacturer.as_deref() == Some("aws")
    }

    pub fn memory_gib(&self) -> f64 {
        self.memory_mib as f64 / 1024.0
    }
}

/// Error while parsing catalog CSV text (embedded or a user overlay).
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{origin}: line 1: unexpected header; expected the eksgen catalog columns")]
    Header { origin: String },
    #[error("{origin}: line {line}: column `{column}`: cannot read `{value}`: {reason}")]
    Field {
        origin: String,
        line: usize,
        column: &'static str,
        value: String,
        reason: String,
    },
    #[error("{origin}: line {line}: expected 28 columns, found {found}")]
    Columns {
        origin: String,
        line: usize,
        found: usize,
    },
}

/// A set of instance types, keyed by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    types: BTreeMap<String, InstanceType>,
}

static EMBEDDED: LazyLock<Catalog> = LazyLock::new(|| {
    // The embedded CSV is checked by tests; a failure here is a build defect, not user input.
    Catalog::from_csv(EMBEDDED_CSV, "embedded catalog").expect("embedded catalog parses")
});

impl Catalog {
    /// The catalog compiled into the binary, parsed on first use.
    pub fn embedded() -> &'static Catalog {
        &EMBEDDED
    }

    /// Parse catalog CSV with the eksgen column layout.
    pub fn from_csv(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.trim_end() == EXPECTED_HEADER => {}
            _ => {
                return Err(CatalogError::Header {
                    origin: origin.to_string(),
                });
            }
        }
        let mut types = BTreeMap::new();
        for (index, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let record = parse_row(line, index + 1, origin)?;
            types.insert(record.name.clone(), record);
        }
        Ok(Catalog { types })
    }

    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.types.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &InstanceType> {
        self.types.values()
    }

    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Add or replace types (a user overlay wins over the embedded facts).
    pub fn extend(&mut self, other: Catalog) {
        self.types.extend(other.types);
    }

    /// The known name closest to `name` ([`crate::diagnostic::closest`]), as a list of at
    /// most one.
    pub fn suggest(&self, name: &str) -> Vec<&str> {
        crate::diagnostic::closest(name, self.types.keys().map(String::as_str))
            .into_iter()
            .collect()
    }

    /// Instance families present in the catalog (`m5`, `p5`, ...).
    pub fn has_family(&self, family: &str) -> bool {
        self.types.values().any(|t| t.family == family)
    }
}

fn parse_row(line: &str, line_no: usize, origin: &str) -> Result<InstanceType, CatalogError> {
    let cols: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
    if cols.len() != 28 {
        return Err(CatalogError::Columns {
            origin: origin.to_string(),
            line: line_no,
            found: cols.len(),
        });
    }
    let field = |column: &'static str, value: &str, reason: &str| CatalogError::Field {
        origin: origin.to_string(),
        line: line_no,
        column,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let num = |idx: usize, column: &'static str| -> Result<u64, CatalogError> {
        let value = cols[idx];
        if value.is_empty() {
            return Ok(0);
        }
        value
            .parse::<u64>()
            .map_err(|e| field(column, value, &e.to_string()))
    };
    let num32 = |idx: usize, column: &'static str| -> Result<u32, CatalogError> {
        let v = num(idx, column)?;
        u32::try_from(v).map_err(|_| field(column, cols[idx], "too large"))
    };
    let text = |idx: usize| -> Option<String> {
        let v = cols[idx];
        (!v.is_empty()).then(|| v.to_string())
    };
    let boolean = |idx: usize, column: &'static str| -> Result<bool, CatalogError> {
        match cols[idx] {
            "true" => Ok(true),
            "false" | "" => Ok(false),
            other => Err(field(column, other, "expected true or false")),
        }
    };
    let name = cols[0].to_string();
    if name.is_empty() {
        return Err(field("instance_type", "", "empty name"));
    }
    let arch = match cols[5] {
        "amd64" | "x86_64" => Arch::Amd64,
        "arm64" => Arch::Arm64,
        other => return Err(field("arch", other, "expected amd64 or arm64")),
    };
    let price = match cols[27] {
        "" => None,
        v => Some(
            v.parse::<f64>()
                .ok()
                .filter(|p| p.is_finite() && *p >= 0.0)
                .ok_or_else(|| field("on_demand_usd_hour_us_east_1", v, "not a price"))?,
        ),
    };
    let ipv4_per_eni = num32(21, "ipv4_per_eni")?;
    let max_enis = num32(20, "max_enis")?;
    if max_enis == 0 || ipv4_per_eni == 0 {
        return Err(field(
            "max_enis",
            cols[20],
            "every instance type needs at least one ENI with one IPv4 address",
        ));
    }
    Ok(InstanceType {
        name,
        family: cols[1].to_string(),
        category: cols[2].to_string(),
        generation: num32(3, "generation")?,
        size: cols[4].to_string(),
        arch,
        vcpu: num32(6, "vcpu")?,
        memory_mib: num(7, "memory_mib")?,
        hypervisor: text(8),
        bare_metal: boolean(9, "bare_metal")?,
        gpu_count: num32(10, "gpu_count")?,
        gpu_manufacturer: text(11),
        gpu_name: text(12),
        gpu_memory_mib: num(13, "gpu_memory_mib")?,
        accelerator_count: num32(14, "accelerator_count")?,
        accelerator_manufacturer: text(15),
        accelerator_name: text(16),
        efa_interfaces: num32(17, "efa_interfaces")?,
        network_bandwidth_mbps: num(18, "network_bandwidth_mbps")?,
        local_nvme_gb: num(19, "local_nvme_gb")?,
        max_enis,
        ipv4_per_eni,
        network_cards: if cols[22].is_empty() {
            None
        } else {
            Some(num32(22, "network_cards")?)
        },
        trunking: boolean(25, "trunking")?,
        branch_enis: num32(26, "branch_enis")?,
        on_demand_usd_hour: price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_parses_every_row() {
        let rows = EMBEDDED_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .count();
        assert_eq!(
            Catalog::embedded().len(),
            rows,
            "duplicate names in the CSV"
        );
        assert!(rows > 1300);
    }

    #[test]
    fn embedded_rows_are_sorted_and_unique() {
        let names: Vec<&str> = EMBEDDED_CSV
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or_default())
            .collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn known_facts() {
        let cat = Catalog::embedded();
        let p5 = cat.get("p5.48xlarge").unwrap();
        assert_eq!(
            (p5.max_enis, p5.ipv4_per_eni, p5.efa_interfaces),
            (2, 50, 32)
        );
        assert_eq!(p5.gpu_count, 8);
        assert!(p5.has_nvidia_gpu() && p5.is_nitro());
        let trn = cat.get("trn1.32xlarge").unwrap();
        assert!(trn.has_neuron());
        assert_eq!(
            cat.get("m4.4xlarge").unwrap().hypervisor.as_deref(),
            Some("xen")
        );
        assert_eq!(cat.get("hpc6a.48xlarge").unwrap().network_cards, None);
    }

    #[test]
    fn suggestions_for_typos() {
        let cat = Catalog::embedded();
        assert_eq!(cat.suggest("p5.48xlarg").first(), Some(&"p5.48xlarge"));
        assert_eq!(cat.suggest("m5.larg").first(), Some(&"m5.large"));
        assert!(cat.suggest("zzzzzz").is_empty());
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let csv = format!(
            "{EXPECTED_HEADER}\nx.large,x,x,1,large,sparc,2,4,nitro,false,0,,,0,0,,,0,1,0,2,4,1,0,2,true,1,0.1\n"
        );
        let err = Catalog::from_csv(&csv, "t.csv").unwrap_err().to_string();
        assert!(
            err.contains("t.csv: line 2") && err.contains("arch"),
            "{err}"
        );
        let err = Catalog::from_csv("a,b\n", "t.csv").unwrap_err().to_string();
        assert!(err.contains("header"), "{err}");
    }
}
