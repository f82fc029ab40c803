//! `eksgen catalog import`: the JSON that `aws ec2 describe-instance-types` prints → a
//! catalog overlay CSV in the embedded catalog's own column layout.
//!
//! No network code: the user runs the AWS CLI, eksgen reads its output. Pure: text in, CSV
//! text out; `commands::catalog` reads and writes the files. The columns are those of
//! [`CsvRow`], the same definition the reader uses. Every error names the file and the JSON path
//! of the field (`InstanceTypes[3].NetworkInfo.Ipv4AddressesPerInterface`).
//!
//! How each column is derived (field names are those of EC2's `InstanceTypeInfo`):
//! - `family`, `size`: the name split at the first `.`; `category`: the family's leading
//!   letters; `generation`: the first number after them (for `u-6tb1` the last number).
//! - `arch`: `ProcessorInfo.SupportedArchitectures` (`x86_64` → amd64, `arm64`); types with
//!   only Mac architectures are skipped (EKS does not run them).
//! - `max_enis`: ENIs on the default network card,
//!   `NetworkCards[DefaultNetworkCardIndex].MaximumNetworkInterfaces` (what the VPC CNI and
//!   max-pods use); `max_enis_total`: `NetworkInfo.MaximumNetworkInterfaces`;
//!   `network_cards`: `MaximumNetworkCards`. Without a `NetworkCards` list, `max_enis` is the
//!   instance total and the two card columns stay empty, as in the embedded catalog.
//! - `network_bandwidth_mbps`: the sum of `NetworkCards[].BaselineBandwidthInGbps`, else a
//!   fixed `NetworkPerformance` such as `25 Gigabit`; `Up to …` without a baseline stays 0.
//! - `local_nvme_gb`: `InstanceStorageInfo.TotalSizeInGB` when `NvmeSupport` is `supported`
//!   or `required`.
//! - GPUs: `GpuInfo.Gpus[0]` (count summed over entries, memory per GPU); accelerators:
//!   `NeuronInfo.NeuronDevices` (manufacturer `aws`), else `InferenceAcceleratorInfo`.
//! - `trunking`, `branch_enis` (VPC resource controller limits) and the price are not in
//!   EC2's answer: they are kept from the base catalog for known types, else left empty
//!   (no trunking, no price) unless a price file gives the price.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::{Catalog, CatalogError, CsvRow, InstanceType, to_csv};

/// Error while importing; the message names the file and the JSON path.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{origin}: not JSON: {source}")]
    Json {
        origin: String,
        source: serde_json::Error,
    },
    #[error("{origin}: {path}: {message}")]
    Field {
        origin: String,
        path: String,
        message: String,
    },
    /// The CSV written did not read back: a bug in the import, not the user's input.
    #[error(
        "the overlay written from {origin} does not read back (this is a bug in eksgen): {source}"
    )]
    Roundtrip {
        origin: String,
        source: CatalogError,
    },
}

/// What an import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Overlay CSV text with the catalog header.
    pub csv: String,
    /// Instance type names written, sorted.
    pub types: Vec<String>,
    /// `(type, reason)` for types left out.
    pub skipped: Vec<(String, String)>,
    /// Types whose price came from the price file.
    pub priced: usize,
}

/// A JSON value with the file and the path it was reached by, for error messages.
#[derive(Clone)]
struct At<'a> {
    value: &'a Value,
    origin: &'a str,
    path: String,
}

impl<'a> At<'a> {
    fn root(value: &'a Value, origin: &'a str) -> At<'a> {
        At {
            value,
            origin,
            path: String::new(),
        }
    }

    fn fail(&self, message: impl Into<String>) -> ImportError {
        ImportError::Field {
            origin: self.origin.to_string(),
            path: if self.path.is_empty() {
                "(top level)".to_string()
            } else {
                self.path.clone()
            },
            message: message.into(),
        }
    }

    fn wrong(&self, expected: &str) -> ImportError {
        let mut found = self.value.to_string();
        if let Some((cut, _)) = found.char_indices().nth(40) {
            found.truncate(cut);
            found.push('…');
        }
        self.fail(format!("expected {expected}, found {found}"))
    }

    /// An optional field; `null` counts as absent.
    fn opt(&self, key: &str) -> Option<At<'a>> {
        let value = self.value.get(key).filter(|v| !v.is_null())?;
        Some(At {
            value,
            origin: self.origin,
            path: join(&self.path, key),
        })
    }

    /// A required field.
    fn req(&self, key: &str) -> Result<At<'a>, ImportError> {
        self.opt(key).ok_or_else(|| {
            At {
                value: self.value,
                origin: self.origin,
                path: join(&self.path, key),
            }
            .fail("missing")
        })
    }

    fn items(&self) -> Result<impl Iterator<Item = At<'a>> + use<'a>, ImportError> {
        let list = self.value.as_array().ok_or_else(|| self.wrong("a list"))?;
        let (origin, path) = (self.origin, self.path.clone());
        Ok(list.iter().enumerate().map(move |(i, value)| At {
            value,
            origin,
            path: format!("{path}[{i}]"),
        }))
    }

    fn len(&self) -> usize {
        self.value.as_array().map_or(0, Vec::len)
    }

    fn u64(&self) -> Result<u64, ImportError> {
        self.value
            .as_u64()
            .ok_or_else(|| self.wrong("a whole number"))
    }

    fn u32(&self) -> Result<u32, ImportError> {
        let n = self.u64()?;
        u32::try_from(n).map_err(|_| self.fail(format!("{n} is too large")))
    }

    fn f64(&self) -> Result<f64, ImportError> {
        self.value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .ok_or_else(|| self.wrong("a number"))
    }

    fn str(&self) -> Result<&'a str, ImportError> {
        self.value.as_str().ok_or_else(|| self.wrong("a string"))
    }

    fn bool(&self) -> Result<bool, ImportError> {
        self.value
            .as_bool()
            .ok_or_else(|| self.wrong("true or false"))
    }

    fn opt_u32(&self, key: &str) -> Result<Option<u32>, ImportError> {
        self.opt(key).map(|v| v.u32()).transpose()
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Lowercase, with anything that could break a CSV cell or a label turned into `-`.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Parse `aws ec2 describe-instance-types` JSON (and optionally prices) into overlay CSV.
///
/// `base` supplies the facts EC2 does not report (trunking, branch ENIs, price) for types it
/// knows. `prices` is `(origin, text)` of a price file: either the JSON of `aws pricing
/// get-products --service-code AmazonEC2` (the `price_region` rows for Linux, shared tenancy,
/// on demand are used) or a plain object `{"m5.large": 0.096}` in USD per hour, taken as
/// `price_region` prices. Rows priced from the file record `price_region` in the overlay's
/// `price_region` column, so a plan in another region does not take them as its own.
pub fn import(
    text: &str,
    origin: &str,
    prices: Option<(&str, &str)>,
    price_region: &str,
    base: &Catalog,
) -> Result<Imported, ImportError> {
    let root = parse_json(text, origin)?;
    let top = At::root(&root, origin);
    if !root.is_object() {
        return Err(top.fail(
            "expected the object printed by `aws ec2 describe-instance-types --output json` ({\"InstanceTypes\": [...]})",
        ));
    }
    let price_map = Prices {
        region: price_region,
        usd: match prices {
            Some((price_origin, price_text)) => {
                parse_prices(price_text, price_origin, price_region)?
            }
            None => BTreeMap::new(),
        },
    };

    let mut rows: BTreeMap<String, Box<CsvRow>> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut priced = 0;
    for item in top.req("InstanceTypes")?.items()? {
        match row(&item, base, &price_map)? {
            Row::Written {
                row,
                price_from_file,
            } => {
                priced += usize::from(price_from_file);
                rows.insert(row.instance_type.clone(), row);
            }
            Row::Skipped { name, reason } => skipped.push((name, reason)),
        }
    }
    let csv = to_csv(rows.values().map(Box::as_ref));
    // What is written must read back: the overlay is only useful if `--catalog` accepts it.
    Catalog::from_csv(&csv, origin).map_err(|source| ImportError::Roundtrip {
        origin: origin.to_string(),
        source,
    })?;
    Ok(Imported {
        csv,
        types: rows.into_keys().collect(),
        skipped,
        priced,
    })
}

fn parse_json(text: &str, origin: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|source| ImportError::Json {
        origin: origin.to_string(),
        source,
    })
}

enum Row {
    Written {
        row: Box<CsvRow>,
        price_from_file: bool,
    },
    Skipped {
        name: String,
        reason: String,
    },
}

/// One `InstanceTypeInfo` → one CSV line.
fn row(at: &At<'_>, base: &Catalog, prices: &Prices<'_>) -> Result<Row, ImportError> {
    if !at.value.is_object() {
        return Err(at.wrong("an instance type object"));
    }
    let name_at = at.req("InstanceType")?;
    let name = name_at.str()?.to_string();
    let valid_name = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let (family, size) = match name.split_once('.') {
        Some((f, s)) if valid_name && !f.is_empty() && !s.is_empty() => (f, s),
        _ => {
            return Err(name_at.fail(format!(
                "`{name}` is not an instance type name such as m5.large"
            )));
        }
    };

    let mut archs = Vec::new();
    for a in at
        .req("ProcessorInfo")?
        .req("SupportedArchitectures")?
        .items()?
    {
        archs.push(a.str()?);
    }
    let arch = if archs.contains(&"x86_64") {
        "amd64"
    } else if archs.contains(&"arm64") {
        "arm64"
    } else {
        let reason = format!("architectures [{}] do not run EKS nodes", archs.join(", "));
        return Ok(Row::Skipped { name, reason });
    };

    let vcpu = at.req("VCpuInfo")?.req("DefaultVCpus")?.u32()?;
    let memory_mib = at.req("MemoryInfo")?.req("SizeInMiB")?.u64()?;
    let hypervisor = match at.opt("Hypervisor") {
        Some(h) => slug(h.str()?),
        None => String::new(),
    };
    let bare_metal = match at.opt("BareMetal") {
        Some(b) => b.bool()?,
        None => false,
    };
    let net = network(at)?;
    let gpu = match at.opt("GpuInfo").and_then(|g| g.opt("Gpus")) {
        Some(list) => devices(&list, None)?,
        None => Device::default(),
    };
    let neuron = at.opt("NeuronInfo").and_then(|n| n.opt("NeuronDevices"));
    let inference = at
        .opt("InferenceAcceleratorInfo")
        .and_then(|n| n.opt("Accelerators"));
    let accel = match (neuron, inference) {
        (Some(list), _) => devices(&list, Some("aws"))?,
        (None, Some(list)) => devices(&list, None)?,
        (None, None) => Device::default(),
    };
    let local_nvme_gb = local_nvme(at)?;

    let known: Option<&InstanceType> = base.get(&name);
    let (trunking, branch_enis) = known.map_or((false, 0), |t| (t.trunking, t.branch_enis));
    let file_price = prices.usd.get(&name).copied();
    let price = file_price.or_else(|| known.and_then(|t| t.on_demand_usd_hour));

    let (category, generation) = category_and_generation(family);
    let opt_num = |n: Option<u32>| n.map(|v| v.to_string()).unwrap_or_default();
    let row = CsvRow {
        instance_type: name.clone(),
        family: family.to_string(),
        category,
        generation: generation.to_string(),
        size: size.to_string(),
        arch: arch.to_string(),
        vcpu: vcpu.to_string(),
        memory_mib: memory_mib.to_string(),
        hypervisor,
        bare_metal: bare_metal.to_string(),
        gpu_count: gpu.count.to_string(),
        gpu_manufacturer: gpu.manufacturer,
        gpu_name: gpu.name,
        gpu_memory_mib: gpu.memory_mib.to_string(),
        accelerator_count: accel.count.to_string(),
        accelerator_manufacturer: accel.manufacturer,
        accelerator_name: accel.name,
        efa_interfaces: net.efa_interfaces.to_string(),
        network_bandwidth_mbps: net.bandwidth_mbps.to_string(),
        local_nvme_gb: local_nvme_gb.to_string(),
        max_enis: net.max_enis.to_string(),
        ipv4_per_eni: net.ipv4_per_eni.to_string(),
        network_cards: opt_num(net.network_cards),
        default_network_card: net.default_card.to_string(),
        max_enis_total: opt_num(net.max_enis_total),
        trunking: trunking.to_string(),
        branch_enis: branch_enis.to_string(),
        on_demand_usd_hour_us_east_1: price.map(|p| format!("{p:.6}")).unwrap_or_default(),
        // A price from the file is for the file's region; one kept from the base catalog is
        // for the base's.
        price_region: match (file_price, known) {
            (Some(_), _) => prices.region.to_string(),
            (None, Some(t)) if t.on_demand_usd_hour.is_some() => t.price_region.clone(),
            _ => String::new(),
        },
    };
    Ok(Row::Written {
        row: Box::new(row),
        price_from_file: file_price.is_some(),
    })
}

/// `m7i-flex` → (`m`, 7); `u-6tb1` → (`u`, 1); `hpc6a` → (`hpc`, 6).
fn category_and_generation(family: &str) -> (String, u32) {
    let category: String = family
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let rest = &family[category.len()..];
    let digits = |s: &str| -> u32 {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().unwrap_or(0)
    };
    let generation = if rest.starts_with(|c: char| c.is_ascii_digit()) {
        digits(rest)
    } else {
        // `u-6tb1`: the generation is the trailing number.
        let tail = family
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        digits(&family[tail..])
    };
    (category, generation)
}

struct Network {
    max_enis: u32,
    ipv4_per_eni: u32,
    network_cards: Option<u32>,
    default_card: u32,
    max_enis_total: Option<u32>,
    efa_interfaces: u32,
    bandwidth_mbps: u64,
}

fn network(at: &At<'_>) -> Result<Network, ImportError> {
    let info = at.req("NetworkInfo")?;
    let total = info.req("MaximumNetworkInterfaces")?.u32()?;
    let ipv4_at = info.req("Ipv4AddressesPerInterface")?;
    let ipv4_per_eni = ipv4_at.u32()?;
    if ipv4_per_eni == 0 {
        return Err(ipv4_at.fail("0: every ENI has at least one IPv4 address"));
    }
    let default_card = info.opt_u32("DefaultNetworkCardIndex")?.unwrap_or(0);
    let efa_interfaces = match info.opt("EfaInfo") {
        Some(efa) => efa.opt_u32("MaximumEfaInterfaces")?.unwrap_or(0),
        None => 0,
    };

    let mut baseline_gbps = None::<f64>;
    let cards = info.opt("NetworkCards").filter(|c| c.len() > 0);
    let (max_enis, network_cards, max_enis_total) = match cards {
        Some(cards) => {
            let mut on_default = None;
            for (i, card) in cards.items()?.enumerate() {
                let index = match card.opt_u32("NetworkCardIndex")? {
                    Some(index) => index,
                    None => u32::try_from(i).unwrap_or(u32::MAX),
                };
                if index == default_card {
                    on_default = Some(card.req("MaximumNetworkInterfaces")?.u32()?);
                }
                if let Some(b) = card.opt("BaselineBandwidthInGbps") {
                    *baseline_gbps.get_or_insert(0.0) += b.f64()?;
                }
            }
            let on_default = on_default.ok_or_else(|| {
                cards.fail(format!(
                    "no card has NetworkCardIndex {default_card} (the DefaultNetworkCardIndex)"
                ))
            })?;
            let count = match info.opt_u32("MaximumNetworkCards")? {
                Some(n) => n,
                None => u32::try_from(cards.len()).unwrap_or(u32::MAX),
            };
            (on_default, Some(count), Some(total))
        }
        None => (total, None, None),
    };
    if max_enis == 0 {
        return Err(
            info.fail("0 network interfaces on the default card: every instance has at least one")
        );
    }
    let bandwidth_mbps = match (baseline_gbps, info.opt("NetworkPerformance")) {
        (Some(gbps), _) => (gbps * 1000.0).round() as u64,
        (None, Some(p)) => fixed_gigabit(p.str()?).unwrap_or(0),
        (None, None) => 0,
    };
    Ok(Network {
        max_enis,
        ipv4_per_eni,
        network_cards,
        default_card,
        max_enis_total,
        efa_interfaces,
        bandwidth_mbps,
    })
}

/// `25 Gigabit` → 25000 Mbps; `Up to 10 Gigabit`, `Moderate` → `None` (no fixed figure).
fn fixed_gigabit(performance: &str) -> Option<u64> {
    let mut words = performance.split_whitespace();
    let number: f64 = words.next()?.parse().ok()?;
    if !(number.is_finite() && number >= 0.0) {
        return None;
    }
    match words.next()? {
        "Gigabit" | "Gbps" => Some((number * 1000.0).round() as u64),
        "Megabit" | "Mbps" => Some(number.round() as u64),
        _ => None,
    }
}

#[derive(Default)]
struct Device {
    count: u32,
    manufacturer: String,
    name: String,
    memory_mib: u64,
}

/// A GPU or accelerator list: count summed, the first entry's maker, name and memory per
/// device. `manufacturer` overrides the entries' own (Neuron devices name none).
fn devices(list: &At<'_>, manufacturer: Option<&str>) -> Result<Device, ImportError> {
    let mut out = Device::default();
    for (i, d) in list.items()?.enumerate() {
        out.count = out.count.saturating_add(d.opt_u32("Count")?.unwrap_or(0));
        if i > 0 {
            continue;
        }
        out.manufacturer = match (manufacturer, d.opt("Manufacturer")) {
            (Some(m), _) => m.to_string(),
            (None, Some(m)) => slug(m.str()?),
            (None, None) => String::new(),
        };
        if let Some(n) = d.opt("Name") {
            out.name = slug(n.str()?);
        }
        if let Some(size) = d.opt("MemoryInfo").and_then(|m| m.opt("SizeInMiB")) {
            out.memory_mib = size.u64()?;
        }
    }
    Ok(out)
}

fn local_nvme(at: &At<'_>) -> Result<u64, ImportError> {
    let Some(storage) = at.opt("InstanceStorageInfo") else {
        return Ok(0);
    };
    let nvme = match storage.opt("NvmeSupport") {
        Some(v) => v.str()?,
        None => "",
    };
    match (nvme, storage.opt("TotalSizeInGB")) {
        ("supported" | "required", Some(total)) => total.u64(),
        _ => Ok(0),
    }
}

/// Prices from a price file and the region they are for.
struct Prices<'a> {
    region: &'a str,
    usd: BTreeMap<String, f64>,
}

/// The price list's `location` of the embedded catalog's price region, for price lists whose
/// products carry no `regionCode`.
const EMBEDDED_PRICE_LOCATION: &str = "US East (N. Virginia)";

/// Instance type → USD per hour in `region`, from `aws pricing get-products` JSON or a plain
/// object.
fn parse_prices(
    text: &str,
    origin: &str,
    region: &str,
) -> Result<BTreeMap<String, f64>, ImportError> {
    let root = parse_json(text, origin)?;
    let top = At::root(&root, origin);
    let mut out = BTreeMap::new();
    let Some(object) = root.as_object() else {
        return Err(top.wrong(
            "`aws pricing get-products` output or an object of instance type to USD per hour",
        ));
    };
    let Some(list) = top.opt("PriceList") else {
        // Plain `{"m5.large": 0.096}`.
        for name in object.keys() {
            out.insert(name.clone(), top.req(name)?.f64()?);
        }
        return Ok(out);
    };
    for item in list.items()? {
        // The AWS CLI prints each product as a JSON string; accept an object too.
        let parsed;
        let product = match item.value {
            Value::String(s) => {
                parsed = serde_json::from_str::<Value>(s)
                    .map_err(|e| item.fail(format!("not a JSON product: {e}")))?;
                At {
                    value: &parsed,
                    origin,
                    path: item.path.clone(),
                }
            }
            _ => item.clone(),
        };
        if let Some((name, price)) = on_demand_price(&product, region)? {
            out.insert(name, price);
        }
    }
    Ok(out)
}

/// The hourly on-demand price of one price-list product, when it is the catalog's kind of
/// price (`region`, Linux, shared tenancy, no pre-installed software, `Used` capacity).
fn on_demand_price(product: &At<'_>, region: &str) -> Result<Option<(String, f64)>, ImportError> {
    let attrs = &product.value["product"]["attributes"];
    let attr = |key: &str| attrs.get(key).and_then(Value::as_str);
    let Some(name) = attr("instanceType") else {
        return Ok(None);
    };
    let region_ok = match attr("regionCode") {
        Some(code) => code == region,
        // Older price lists name the location only: the embedded region's is known.
        None => {
            region == crate::catalog::EMBEDDED_PRICE_REGION
                && attr("location") == Some(EMBEDDED_PRICE_LOCATION)
        }
    };
    let wanted = region_ok
        && attr("operatingSystem") == Some("Linux")
        && attr("tenancy") == Some("Shared")
        && attr("preInstalledSw").is_none_or(|s| s == "NA")
        && attr("capacitystatus").is_none_or(|s| s == "Used");
    let Some(terms) = product.opt("terms").and_then(|t| t.opt("OnDemand")) else {
        return Ok(None);
    };
    let Some(term_map) = terms.value.as_object().filter(|_| wanted) else {
        return Ok(None);
    };
    for term_key in term_map.keys() {
        let Some(dims) = terms.req(term_key)?.opt("priceDimensions") else {
            continue;
        };
        for dim_key in dims.value.as_object().into_iter().flat_map(|m| m.keys()) {
            let dim = dims.req(dim_key)?;
            if dim.value["unit"].as_str() != Some("Hrs") {
                continue;
            }
            let usd = dim.req("pricePerUnit")?.req("USD")?;
            let price = usd
                .value
                .as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|p| p.is_finite() && *p >= 0.0)
                .ok_or_else(|| usd.wrong("a price in USD"))?;
            return Ok(Some((name.to_string(), price)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(extra_network: &str, extra: &str) -> String {
        format!(
            r#"{{"InstanceTypes":[{{"InstanceType":"zz9.2xlarge","VCpuInfo":{{"DefaultVCpus":8}},
            "MemoryInfo":{{"SizeInMiB":32768}},"Hypervisor":"nitro","BareMetal":false,
            "ProcessorInfo":{{"SupportedArchitectures":["x86_64"]}},
            "NetworkInfo":{{"MaximumNetworkInterfaces":8,"Ipv4AddressesPerInterface":30,
              "NetworkPerformance":"Up to 15 Gigabit"{extra_network}}}{extra}}}]}}"#
        )
    }

    #[test]
    fn minimal_type_reads_back() {
        let out = import(
            &one("", ""),
            "t.json",
            None,
            "us-east-1",
            &Catalog::default(),
        )
        .unwrap();
        let cat = Catalog::from_csv(&out.csv, "t").unwrap();
        let t = cat.get("zz9.2xlarge").unwrap();
        assert_eq!((t.vcpu, t.max_enis, t.ipv4_per_eni), (8, 8, 30));
        assert_eq!((t.category.as_str(), t.generation), ("zz", 9));
        assert_eq!(t.network_cards, None);
        // "Up to" without a baseline is not a fixed figure.
        assert_eq!(t.network_bandwidth_mbps, 0);
        assert!(t.is_nitro() && !t.trunking && t.on_demand_usd_hour.is_none());
    }

    #[test]
    fn max_enis_is_the_default_cards() {
        let net = r#","MaximumNetworkCards":2,"DefaultNetworkCardIndex":1,
            "NetworkCards":[{"NetworkCardIndex":0,"MaximumNetworkInterfaces":6,"BaselineBandwidthInGbps":50.0},
                            {"NetworkCardIndex":1,"MaximumNetworkInterfaces":2,"BaselineBandwidthInGbps":50.0}]"#;
        let out = import(
            &one(net, ""),
            "t.json",
            None,
            "us-east-1",
            &Catalog::default(),
        )
        .unwrap();
        let t = Catalog::from_csv(&out.csv, "t").unwrap();
        let t = t.get("zz9.2xlarge").unwrap();
        assert_eq!((t.max_enis, t.network_cards), (2, Some(2)));
        assert_eq!(t.network_bandwidth_mbps, 100_000);
    }

    #[test]
    fn errors_name_file_and_json_path() {
        let bad = one("", "").replace("\"DefaultVCpus\":8", "\"DefaultVCpus\":\"eight\"");
        let err = import(&bad, "types.json", None, "us-east-1", &Catalog::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "types.json: InstanceTypes[0].VCpuInfo.DefaultVCpus: expected a whole number, found \"eight\""
        );
        let missing = one("", "").replace("\"Ipv4AddressesPerInterface\":30,", "");
        let err = import(
            &missing,
            "types.json",
            None,
            "us-east-1",
            &Catalog::default(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "types.json: InstanceTypes[0].NetworkInfo.Ipv4AddressesPerInterface: missing"
        );
    }

    #[test]
    fn names_to_category_and_generation() {
        assert_eq!(category_and_generation("m7i-flex"), ("m".into(), 7));
        assert_eq!(category_and_generation("u-6tb1"), ("u".into(), 1));
        assert_eq!(category_and_generation("hpc6a"), ("hpc".into(), 6));
        assert_eq!(slug("Radeon Pro V520"), "radeon-pro-v520");
        assert_eq!(fixed_gigabit("25 Gigabit"), Some(25_000));
        assert_eq!(fixed_gigabit("Up to 25 Gigabit"), None);
    }
}
