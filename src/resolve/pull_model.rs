//! How long a new node takes from launch until its workload image is on disk, unpacked and
//! ready to start: the "time to ready" of one scale-out, term by term.
//!
//! Owns the model's parameters ([`PARAMS`], each with its source and date, explained in
//! `docs/performance.md`) and the arithmetic that turns a group's facts (image, layers,
//! concurrency, network card, root volume, accelerator, where the registry is) into a
//! [`TimeToReadyPlan`]. Pure: no clock, no I/O.
//!
//! The pull follows what containerd does with a gzip image: it downloads up to
//! `max_concurrent_downloads` layers at once, each layer over one HTTP connection (ECR
//! redirects every layer to an S3 object, so one connection runs at S3's per-connection
//! rate, not at the network card's), writes each blob to the content store, then unpacks the
//! layers one at a time in order (decompression is single-threaded per layer) into the
//! snapshotter on the root volume. A layer is unpacked only once it is fully downloaded, so
//! the largest layer's download plus its decompression is one critical path, decompressing
//! every layer in turn is another, and writing compressed and unpacked bytes to the volume
//! a third. The slowest path is the pull time; the dominant term is the one the plan names.

use crate::plan::{TimeToReadyPlan, TimeToReadyTerm};

/// One parameter of the model: its value, unit, what it stands for and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Name used in `docs/performance.md`.
    pub id: &'static str,
    pub value: f64,
    pub unit: &'static str,
    pub what: &'static str,
    /// Where the value comes from (URL or document).
    pub source: &'static str,
    /// When the source was published or read (`YYYY-MM`).
    pub date: &'static str,
}

/// EC2 launch to kubelet `Ready` for a CPU node on the EKS-optimized AMIs.
pub const NODE_LAUNCH_JOIN: Param = Param {
    id: "node-launch-join",
    value: 60.0,
    unit: "s",
    what: "EC2 instance launch, boot, nodeadm/bootstrap and kubelet registration until the node is Ready (CPU instance)",
    source: "KubeFM \"Faster EKS Node and Pod Startup\" (Outreach, ~1,000 EKS nodes: 65 s before tuning, 45 s after), kube.fm/faster-eks-node-and-pod-startup-jan",
    date: "2026-02",
};

/// What a GPU or Neuron instance adds before a pod can be bound to the device.
pub const ACCELERATOR_SETUP: Param = Param {
    id: "accelerator-setup",
    value: 90.0,
    unit: "s",
    what: "extra launch time of an accelerated instance: driver load and the device plugin advertising nvidia.com/gpu (or aws.amazon.com/neuron) before the pod can be scheduled",
    source: "the one-pod-per-node report (seed 004): about 2.5 min of time to ready was AWS attaching the GPU node; 150 s less node-launch-join. A reported figure, not an independent measurement",
    date: "2026-11",
};

/// One HTTP connection to an ECR layer (an S3 object) inside the region.
pub const REGISTRY_CONNECTION: Param = Param {
    id: "registry-connection",
    value: 85.0 * 1_000_000.0 / 1_048_576.0,
    unit: "MiB/s",
    what: "download rate of one layer over one connection: ECR serves layers from S3, which gives 85-90 MB/s per connection in the region",
    source: "Amazon S3 User Guide, \"Performance design patterns\": one concurrent request per 85-90 MB/s of desired throughput, docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance-design-patterns.html",
    date: "2026-12",
};

/// The TCP receive window one connection reaches, which caps it at `window / RTT`.
pub const TCP_RECEIVE_WINDOW: Param = Param {
    id: "tcp-receive-window",
    value: 3.0,
    unit: "MiB",
    what: "largest receive window of one connection: Linux autotunes the buffer up to tcp_rmem max (6 MiB by default) and advertises about half of it (tcp_adv_win_scale 1); over a long path one connection moves at most window / RTT",
    source: "Linux kernel documentation, networking/ip-sysctl (tcp_rmem, tcp_adv_win_scale), docs.kernel.org/networking/ip-sysctl.html",
    date: "2026-12",
};

/// Round trip between two regions of the same geography (US east and west coast, Europe).
pub const RTT_NEAR_REGION: Param = Param {
    id: "rtt-near-region",
    value: 70.0,
    unit: "ms",
    what: "round trip to a registry in another region of the same geography (us-east-1 to us-west-2 is the long end; European pairs are shorter)",
    source: "public inter-region ping measurements between EC2 instances (e.g. bigbitbus.com \"What is your ping? AWS and Google Cloud\", 2018; cloudping.co); order of magnitude, not measured by eksgen",
    date: "2026-12",
};

/// Round trip between regions on different continents.
pub const RTT_FAR_REGION: Param = Param {
    id: "rtt-far-region",
    value: 150.0,
    unit: "ms",
    what: "round trip to a registry in a region on another continent (US-Europe about 80-100 ms, US-Asia 100-220 ms)",
    source: "public inter-region ping measurements between EC2 instances (e.g. bigbitbus.com 2018; cloudping.co); order of magnitude, not measured by eksgen",
    date: "2026-12",
};

/// What an instance may send to or receive from another region in aggregate.
pub const CROSS_REGION_CAP: Param = Param {
    id: "cross-region-cap",
    value: 5000.0,
    unit: "Mbit/s",
    what: "aggregate bandwidth to another region or the internet of an instance with fewer than 32 vCPUs (larger instances: half their bandwidth)",
    source: "Amazon EC2 User Guide, \"Amazon EC2 instance network bandwidth\", docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-network-bandwidth.html",
    date: "2026-12",
};

/// Single-threaded gzip decompression of one layer.
pub const GZIP_INFLATE: Param = Param {
    id: "gzip-inflate",
    value: 80.0,
    unit: "MiB/s",
    what: "compressed bytes one layer's decompression consumes per second; containerd unpacks one layer at a time, so this bounds the whole unpack",
    source: "containerd issue #13559 (tensorflow:2.21.0-gpu largest layer, 2.7 GiB: 35 s on a Xeon 8488C), PR #13560 (pytorch:latest largest layer, 3.4 GiB: 41.7 s); containerd #8881 (layers unpacked sequentially); transfer service max_concurrent_unpacks = 1",
    date: "2026-06",
};

/// How much larger a layer is once unpacked.
pub const UNPACKED_RATIO: Param = Param {
    id: "unpacked-ratio",
    value: 2.0,
    unit: "x",
    what: "unpacked size over compressed size of an ML image layer; the volume writes the compressed blob and the unpacked files",
    source: "containerd PR #13560: cuda:13.1.2-devel-ubi9 largest layer 1.8 -> 3.4 GiB, pytorch:latest 3.4 -> 7.0 GiB",
    date: "2026-06",
};

/// The largest layer's share of an image, when the intent does not give it.
pub const LARGEST_LAYER_SHARE: Param = Param {
    id: "largest-layer-share",
    value: 0.5,
    unit: "of the image",
    what: "ML images install the framework and CUDA libraries in one layer, which holds most of the image; eksgen assumes half unless registry.largestLayerGiB says otherwise",
    source: "containerd issue #13559 (tensorflow GPU image: one 2.7 GiB layer, the second-largest much smaller), PR #13560 (pytorch:latest: a 3.4 GiB layer)",
    date: "2026-06",
};

/// Layers of an image, when the intent does not give them.
pub const DEFAULT_LAYERS: Param = Param {
    id: "default-layers",
    value: 20.0,
    unit: "layers",
    what: "layer count assumed when registry.layers is not given; only matters below max_concurrent_downloads",
    source: "the one-pod-per-node report (seed 004): the image had about 20 layers and more download concurrency stopped helping there",
    date: "2026-11",
};

/// How fast a volume created from a snapshot fetches its blocks when eksgen provisions it.
pub const SNAPSHOT_INITIALIZATION: Param = Param {
    id: "snapshot-initialization",
    value: 300.0,
    unit: "MiB/s",
    what: "EBS Provisioned Rate for Volume Initialization eksgen asks for on a volume restored from an image snapshot (100 to 300 MiB/s; without it blocks arrive lazily from S3 at no stated rate on first read)",
    source: "Amazon EBS User Guide, \"Initialize Amazon EBS volumes\" (provisioned rate for volume initialization); Karpenter v1.14 EC2NodeClass blockDeviceMappings[].ebs.volumeInitializationRate (minimum 100, maximum 300)",
    date: "2026-12",
};

/// Every parameter of the model, in the order `docs/performance.md` lists them.
pub const PARAMS: &[Param] = &[
    NODE_LAUNCH_JOIN,
    ACCELERATOR_SETUP,
    REGISTRY_CONNECTION,
    TCP_RECEIVE_WINDOW,
    RTT_NEAR_REGION,
    RTT_FAR_REGION,
    CROSS_REGION_CAP,
    GZIP_INFLATE,
    UNPACKED_RATIO,
    LARGEST_LAYER_SHARE,
    DEFAULT_LAYERS,
    SNAPSHOT_INITIALIZATION,
];

/// Instances with at least this many vCPUs get half their bandwidth to other regions
/// instead of [`CROSS_REGION_CAP`].
const CROSS_REGION_HALF_BANDWIDTH_VCPUS: u32 = 32;

/// How far the registry is from the cluster, network-wise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryDistance {
    SameRegion,
    /// Another region of the same geography ([`RTT_NEAR_REGION`]).
    NearRegion,
    /// A region on another continent ([`RTT_FAR_REGION`]).
    FarRegion,
}

impl RegistryDistance {
    /// The distance from a cluster in `cluster` to a registry in `registry`. Regions are
    /// grouped by the geography their code starts with (`us`, `ca` and `mx` together).
    pub fn between(cluster: &str, registry: &str) -> RegistryDistance {
        if cluster == registry {
            return RegistryDistance::SameRegion;
        }
        if geography(cluster) == geography(registry) {
            RegistryDistance::NearRegion
        } else {
            RegistryDistance::FarRegion
        }
    }

    fn rtt_ms(self) -> Option<f64> {
        match self {
            RegistryDistance::SameRegion => None,
            RegistryDistance::NearRegion => Some(RTT_NEAR_REGION.value),
            RegistryDistance::FarRegion => Some(RTT_FAR_REGION.value),
        }
    }
}

/// The continent a region code belongs to (`us-gov-west-1` and `ca-central-1` are North
/// America, `il-central-1` and `me-south-1` the Middle East).
fn geography(region: &str) -> &'static str {
    match region.split('-').next().unwrap_or("") {
        "us" | "ca" | "mx" => "north-america",
        "sa" => "south-america",
        "eu" => "europe",
        "il" | "me" => "middle-east",
        "af" => "africa",
        "ap" => "asia-pacific",
        "cn" => "china",
        _ => "other",
    }
}

/// Where containerd keeps the image on a new node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageStorage {
    /// Pulled onto an EBS volume (the root volume) with this write throughput, MiB/s.
    Volume { mibps: u32 },
    /// Pulled onto a RAID0 array of the instance's NVMe instance-store disks, which write
    /// far faster than one core decompresses: the write term drops out.
    InstanceStoreRaid0,
    /// Already on a volume restored from a snapshot that holds the unpacked image: nothing
    /// is pulled, and the node reads the image's blocks as the volume fetches them at this
    /// provisioned rate, MiB/s.
    Snapshot { initialization_mibps: u32 },
}

/// What the model needs to know about one group and its image.
#[derive(Debug, Clone, PartialEq)]
pub struct PullInputs {
    /// Compressed image size, GiB.
    pub image_gib: f64,
    /// The largest layer, GiB (None: [`LARGEST_LAYER_SHARE`] of the image).
    pub largest_layer_gib: Option<f64>,
    /// Layer count (None: [`DEFAULT_LAYERS`]).
    pub layers: Option<u32>,
    /// containerd `max_concurrent_downloads` on the node.
    pub concurrent_downloads: u32,
    /// Baseline bandwidth of the network card pulls use, Mbit/s.
    pub network_mbps: u64,
    pub vcpu: u32,
    pub storage: ImageStorage,
    /// GPU or Neuron instance: [`ACCELERATOR_SETUP`] applies.
    pub accelerated: bool,
    pub distance: RegistryDistance,
}

fn mib_s_from_mbps(mbps: f64) -> f64 {
    mbps * 1_000_000.0 / 8.0 / 1_048_576.0
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The time to ready of one new node of a group, with its breakdown.
pub fn time_to_ready(i: &PullInputs) -> TimeToReadyPlan {
    let size = i.image_gib * 1024.0;
    let layers = i.layers.unwrap_or(DEFAULT_LAYERS.value as u32).max(1);
    // The largest layer is at least the average one (the whole image when there is one).
    let largest = match (i.largest_layer_gib, layers) {
        (_, 1) => size,
        (Some(g), _) => g * 1024.0,
        (None, _) => size * LARGEST_LAYER_SHARE.value,
    }
    .clamp(size / f64::from(layers), size);
    let connections = i.concurrent_downloads.clamp(1, layers);

    // One connection: S3's rate, or less when the window cannot cover the round trip.
    let window_bound = i
        .distance
        .rtt_ms()
        .map(|ms| TCP_RECEIVE_WINDOW.value / (ms / 1000.0));
    let per_connection = window_bound.map_or(REGISTRY_CONNECTION.value, |w| {
        w.min(REGISTRY_CONNECTION.value)
    });
    let card = mib_s_from_mbps(i.network_mbps as f64);
    let link = match i.distance {
        RegistryDistance::SameRegion => card,
        _ if i.vcpu >= CROSS_REGION_HALF_BANDWIDTH_VCPUS => card / 2.0,
        _ => card.min(mib_s_from_mbps(CROSS_REGION_CAP.value)),
    }
    .max(1.0);
    let aggregate = (f64::from(connections) * per_connection).min(link);

    let largest_download = largest / per_connection;
    let download = largest_download.max(size / aggregate);
    let decompress = size / GZIP_INFLATE.value;
    let written = size * (1.0 + UNPACKED_RATIO.value);
    let disk = match i.storage {
        ImageStorage::Volume { mibps } => written / f64::from(mibps.max(1)),
        ImageStorage::InstanceStoreRaid0 | ImageStorage::Snapshot { .. } => 0.0,
    };
    // After the last byte arrives, the last layer (a typical small one) still unpacks.
    let small_layer = if layers > 1 {
        (size - largest) / f64::from(layers - 1)
    } else {
        0.0
    };
    let paths = match i.storage {
        ImageStorage::Snapshot {
            initialization_mibps,
        } => vec![(
            // The unpacked image, read as its blocks arrive from S3.
            size * UNPACKED_RATIO.value / f64::from(initialization_mibps.max(1)),
            TimeToReadyTerm::SnapshotRestore,
        )],
        _ => vec![
            (
                largest_download + largest / GZIP_INFLATE.value,
                if largest_download >= largest / GZIP_INFLATE.value {
                    TimeToReadyTerm::LayerDownload
                } else {
                    TimeToReadyTerm::Decompression
                },
            ),
            (decompress, TimeToReadyTerm::Decompression),
            (disk, TimeToReadyTerm::DiskWrite),
            (
                download + small_layer / GZIP_INFLATE.value,
                TimeToReadyTerm::LayerDownload,
            ),
        ],
    };
    let (pull, pull_term) =
        paths
            .iter()
            .copied()
            .fold((0.0, TimeToReadyTerm::Decompression), |best, p| {
                if p.0 > best.0 { p } else { best }
            });

    let launch = NODE_LAUNCH_JOIN.value;
    let accelerator = if i.accelerated {
        ACCELERATOR_SETUP.value
    } else {
        0.0
    };
    let dominant = [
        (pull, pull_term),
        (launch, TimeToReadyTerm::NodeLaunch),
        (accelerator, TimeToReadyTerm::AcceleratorSetup),
    ]
    .into_iter()
    .fold((0.0, TimeToReadyTerm::NodeLaunch), |best, p| {
        if p.0 > best.0 { p } else { best }
    })
    .1;

    let where_from = match i.distance {
        RegistryDistance::SameRegion => "in the cluster's region".to_string(),
        d => format!(
            "{} ms away (another region), so one connection is held to {:.0} MiB/s by a {} MiB window",
            d.rtt_ms().unwrap_or_default(),
            per_connection,
            TCP_RECEIVE_WINDOW.value
        ),
    };
    let total = launch + accelerator + pull;
    let node = format!(
        "{launch:.0} s launch and join{}",
        if i.accelerated {
            format!(", {accelerator:.0} s driver and device plugin")
        } else {
            String::new()
        }
    );
    let reason = match i.storage {
        ImageStorage::Snapshot {
            initialization_mibps,
        } => format!(
            "{node}; image {:.1} GiB already unpacked ({:.1} GiB) on a volume restored from a snapshot: nothing is pulled, and its blocks arrive at the provisioned {initialization_mibps} MiB/s in {pull:.0} s",
            i.image_gib,
            size * UNPACKED_RATIO.value / 1024.0,
        ),
        storage => {
            let write = match storage {
                ImageStorage::Volume { mibps } => format!(
                    "the volume writes {:.1} GiB (compressed and unpacked) in {disk:.0} s at {mibps} MiB/s",
                    written / 1024.0
                ),
                _ => "NVMe instance store (RAID0) writes faster than decompression".to_string(),
            };
            format!(
                "{node}; image {:.1} GiB in {layers} layers (largest {:.1} GiB) from a registry {where_from}: the largest layer downloads in {largest_download:.0} s on one connection at {per_connection:.0} MiB/s, all layers in {download:.0} s over {connections} connections ({aggregate:.0} MiB/s together); decompressing them one at a time at {:.0} MiB/s takes {decompress:.0} s; {write}; the pull takes {pull:.0} s, bound by {}",
                i.image_gib,
                largest / 1024.0,
                GZIP_INFLATE.value,
                pull_term.describe(),
            )
        }
    };
    let pulled = !matches!(i.storage, ImageStorage::Snapshot { .. });
    TimeToReadyPlan {
        seconds: round1(total),
        node_launch_seconds: round1(launch),
        accelerator_seconds: round1(accelerator),
        image_seconds: round1(pull),
        download_seconds: if pulled { round1(download) } else { 0.0 },
        decompress_seconds: if pulled { round1(decompress) } else { 0.0 },
        disk_seconds: round1(disk),
        connection_mib_per_second: round1(per_connection),
        image_bound: pull_term,
        dominant,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pod-per-node report's node: g4dn.2xlarge (8 vCPU, 10 Gbit/s baseline, one
    /// T4), 3.5 GiB image in about 20 layers, eksgen's 10 concurrent downloads and its
    /// 600 MiB/s root volume for big images.
    fn article(distance: RegistryDistance) -> PullInputs {
        PullInputs {
            image_gib: 3.5,
            largest_layer_gib: None,
            layers: Some(20),
            concurrent_downloads: 10,
            network_mbps: 10_000,
            vcpu: 8,
            storage: ImageStorage::Volume { mibps: 600 },
            accelerated: true,
            distance,
        }
    }

    #[test]
    fn every_parameter_is_sourced_dated_and_in_the_docs() {
        let docs = include_str!("../../docs/performance.md");
        let mut ids: Vec<&str> = PARAMS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PARAMS.len(), "ids are unique");
        for p in PARAMS {
            assert!(p.value > 0.0 && p.value.is_finite(), "{p:?}");
            assert!(!p.source.is_empty() && !p.what.is_empty(), "{p:?}");
            assert!(
                p.date.len() == 7 && p.date.as_bytes()[4] == b'-',
                "date is YYYY-MM: {p:?}"
            );
            assert!(
                docs.contains(&format!("`{}`", p.id)),
                "docs/performance.md explains `{}`",
                p.id
            );
        }
    }

    #[test]
    fn regions_group_by_geography() {
        use RegistryDistance::*;
        let cases = [
            ("us-west-2", "us-west-2", SameRegion),
            ("us-west-2", "us-east-1", NearRegion),
            ("ca-central-1", "us-east-1", NearRegion),
            ("us-gov-west-1", "us-east-2", NearRegion),
            ("eu-west-1", "eu-central-1", NearRegion),
            ("eu-west-1", "us-east-1", FarRegion),
            ("ap-southeast-2", "us-west-2", FarRegion),
            ("il-central-1", "me-south-1", NearRegion),
        ];
        for (cluster, registry, want) in cases {
            assert_eq!(
                RegistryDistance::between(cluster, registry),
                want,
                "{cluster} <- {registry}"
            );
        }
    }

    /// The article's case, pinned: the model's terms for the reported node. The reported
    /// figures (10-12 min to ready, 5 min with images baked in) sit next to these in
    /// docs/performance.md, which explains the gap.
    #[test]
    fn the_one_pod_per_node_article_case() {
        let table = [
            // (distance, time to ready s, image s, dominant)
            (
                RegistryDistance::SameRegion,
                194.8,
                44.8,
                TimeToReadyTerm::AcceleratorSetup,
            ),
            (
                RegistryDistance::NearRegion,
                214.2,
                64.2,
                TimeToReadyTerm::AcceleratorSetup,
            ),
            (
                RegistryDistance::FarRegion,
                262.0,
                112.0,
                TimeToReadyTerm::LayerDownload,
            ),
        ];
        for (distance, ready, image, dominant) in table {
            let t = time_to_ready(&article(distance));
            assert_eq!(t.seconds, ready, "{distance:?}: {}", t.reason);
            assert_eq!(t.image_seconds, image, "{distance:?}: {}", t.reason);
            assert_eq!(t.dominant, dominant, "{distance:?}");
            assert_eq!(t.node_launch_seconds + t.accelerator_seconds, 150.0);
        }
        // Baked in: the unpacked image on a snapshot volume at the provisioned 300 MiB/s.
        let baked = time_to_ready(&PullInputs {
            storage: ImageStorage::Snapshot {
                initialization_mibps: 300,
            },
            ..article(RegistryDistance::NearRegion)
        });
        assert_eq!(
            (baked.seconds, baked.image_seconds, baked.image_bound),
            (173.9, 23.9, TimeToReadyTerm::SnapshotRestore),
            "{}",
            baked.reason
        );
        assert_eq!(
            (baked.download_seconds, baked.decompress_seconds),
            (0.0, 0.0)
        );
        // RAID0 instance store: the same as the 600 MiB/s volume here, since decompression
        // binds before the volume does.
        let raid = time_to_ready(&PullInputs {
            storage: ImageStorage::InstanceStoreRaid0,
            ..article(RegistryDistance::SameRegion)
        });
        assert_eq!((raid.seconds, raid.disk_seconds), (194.8, 0.0));
        // Same region the unpack binds; across regions the largest layer's download does.
        let same = time_to_ready(&article(RegistryDistance::SameRegion));
        assert!(
            same.reason.ends_with("bound by decompression"),
            "{}",
            same.reason
        );
        assert_eq!(same.image_bound, TimeToReadyTerm::Decompression);
        let near = time_to_ready(&article(RegistryDistance::NearRegion));
        assert!(
            near.reason.ends_with("bound by layer downloads"),
            "{}",
            near.reason
        );
        assert_eq!(near.connection_mib_per_second, 42.9);
    }

    #[test]
    fn each_term_can_dominate() {
        let base = PullInputs {
            image_gib: 10.0,
            largest_layer_gib: Some(1.0),
            layers: Some(20),
            concurrent_downloads: 10,
            network_mbps: 25_000,
            vcpu: 16,
            storage: ImageStorage::Volume { mibps: 1000 },
            accelerated: false,
            distance: RegistryDistance::SameRegion,
        };
        // 10 GiB decompressed at 80 MiB/s: 128 s, more than the 60 s launch.
        assert_eq!(
            time_to_ready(&base).dominant,
            TimeToReadyTerm::Decompression
        );
        // A gp3 baseline volume writes 30 GiB at 125 MiB/s: 245.8 s.
        let slow_disk = PullInputs {
            storage: ImageStorage::Volume { mibps: 125 },
            ..base.clone()
        };
        let t = time_to_ready(&slow_disk);
        assert_eq!(t.dominant, TimeToReadyTerm::DiskWrite);
        assert_eq!(t.disk_seconds, 245.8);
        // One 9 GiB layer from another continent: 9216 MiB at 20 MiB/s.
        let far = PullInputs {
            largest_layer_gib: Some(9.0),
            distance: RegistryDistance::FarRegion,
            ..base.clone()
        };
        let t = time_to_ready(&far);
        assert_eq!(t.dominant, TimeToReadyTerm::LayerDownload);
        assert_eq!(t.connection_mib_per_second, 20.0);
        // A small image: the node's own launch is the largest term.
        let small = PullInputs {
            image_gib: 1.0,
            ..base
        };
        assert_eq!(time_to_ready(&small).dominant, TimeToReadyTerm::NodeLaunch);
    }

    #[test]
    fn fewer_layers_than_connections_use_fewer_connections() {
        let one_layer = PullInputs {
            image_gib: 2.0,
            largest_layer_gib: None,
            layers: Some(1),
            concurrent_downloads: 10,
            network_mbps: 10_000,
            vcpu: 8,
            storage: ImageStorage::Volume { mibps: 600 },
            accelerated: false,
            distance: RegistryDistance::SameRegion,
        };
        let t = time_to_ready(&one_layer);
        // One layer is the whole image on one connection: 2048 MiB at 81.1 MiB/s.
        assert_eq!(t.download_seconds, 25.3);
        // Downloaded, then decompressed: 25.3 + 25.6.
        assert_eq!(t.image_seconds, 50.9);
    }

    #[test]
    fn the_estimate_grows_with_the_image_and_shrinks_with_resources() {
        let base = article(RegistryDistance::NearRegion);
        let mut last = 0.0;
        for gib in [1.0, 2.0, 3.5, 8.0, 12.0, 30.0, 80.0] {
            let t = time_to_ready(&PullInputs {
                image_gib: gib,
                ..base.clone()
            });
            assert!(t.seconds > last, "{gib} GiB: {}", t.reason);
            assert!(
                (t.seconds - t.node_launch_seconds - t.accelerator_seconds - t.image_seconds).abs()
                    < 0.11,
                "the breakdown adds up: {t:?}"
            );
            last = t.seconds;
        }
        let slower_disk = time_to_ready(&PullInputs {
            storage: ImageStorage::Volume { mibps: 125 },
            ..base.clone()
        });
        assert!(slower_disk.image_seconds >= time_to_ready(&base).image_seconds);
        let more_connections = time_to_ready(&PullInputs {
            concurrent_downloads: 20,
            ..base.clone()
        });
        assert!(more_connections.image_seconds <= time_to_ready(&base).image_seconds);
    }
}
