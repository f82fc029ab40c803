//! Subnet layout: per-AZ private (node), public and pod subnets sized from the address
//! budget, power-of-two aligned, placed without overlaps inside the VPC or secondary CIDRs.
//!
//! Pure: takes per-AZ address needs, returns blocks or the shortfall.

use crate::cidr::{Ipv4Cidr, MAX_SUBNET_PREFIX};

/// Private subnets may grow to use at most this share of the primary CIDR, leaving room for
/// later groups, endpoints and databases.
pub const PRIVATE_GROWTH_SHARE: (u64, u64) = (1, 2);
/// First secondary block eksgen adds (RFC 6598 shared address space).
pub const AUTO_SECONDARY_BASE: &str = "100.64.0.0/10";
pub const AUTO_SECONDARY_PREFIX: u8 = 16;

/// Place blocks with the given prefixes into `spaces`, largest first, first fit. Returns the
/// blocks in request order.
pub fn pack(spaces: &[Ipv4Cidr], prefixes: &[u8]) -> Option<Vec<Ipv4Cidr>> {
    let mut order: Vec<usize> = (0..prefixes.len()).collect();
    order.sort_by_key(|&i| (prefixes[i], i));
    let mut used: Vec<u64> = vec![0; spaces.len()];
    let mut out = vec![Ipv4Cidr::new(0, 32); prefixes.len()];
    for i in order {
        let size = 1u64 << (32 - u32::from(prefixes[i]));
        let slot = spaces
            .iter()
            .enumerate()
            .find(|(k, space)| prefixes[i] >= space.prefix() && used[*k] + size <= space.size())?;
        let (k, space) = slot;
        out[i] = Ipv4Cidr::new(space.base() + used[k] as u32, prefixes[i]);
        used[k] += size;
    }
    Some(out)
}

/// Public subnet size: a /24 per AZ in roomy VPCs, smaller in small ones.
pub fn public_prefix(vpc: Ipv4Cidr) -> u8 {
    if vpc.prefix() <= 20 {
        24
    } else {
        (vpc.prefix() + 4).min(MAX_SUBNET_PREFIX)
    }
}

/// Result of laying out the primary CIDR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryLayout {
    pub private: Vec<Ipv4Cidr>,
    pub public: Vec<Ipv4Cidr>,
    /// True when private subnets were grown beyond their need.
    pub grown: bool,
}

/// Private subnets (one per AZ, holding `private_needs[i]` usable addresses) and public
/// subnets inside the VPC CIDR. `Err` carries the addresses the layout needs in total.
pub fn layout_primary(vpc: Ipv4Cidr, private_needs: &[u64]) -> Result<PrimaryLayout, u64> {
    let n = private_needs.len();
    let public = public_prefix(vpc);
    let required: Vec<u8> = private_needs
        .iter()
        .map(|need| Ipv4Cidr::prefix_for_usable(*need))
        .collect();
    let place = |private: &[u8]| {
        let mut prefixes = private.to_vec();
        prefixes.extend(std::iter::repeat_n(public, n));
        pack(&[vpc], &prefixes).map(|blocks| {
            let (p, q) = blocks.split_at(n);
            (p.to_vec(), q.to_vec())
        })
    };
    // Grow every private subnet to a common size while they stay within the growth share.
    let budget = vpc.size() * PRIVATE_GROWTH_SHARE.0 / PRIVATE_GROWTH_SHARE.1;
    for grow in vpc.prefix()..=MAX_SUBNET_PREFIX {
        let sizes: Vec<u8> = required.iter().map(|r| (*r).min(grow)).collect();
        if crate::cidr::total_size(&sizes) > budget {
            continue;
        }
        if let Some((private, public)) = place(&sizes) {
            return Ok(PrimaryLayout {
                grown: sizes != required,
                private,
                public,
            });
        }
    }
    match place(&required) {
        Some((private, public)) => Ok(PrimaryLayout {
            private,
            public,
            grown: false,
        }),
        None => {
            let mut all = required.clone();
            all.extend(std::iter::repeat_n(public, n));
            Err(crate::cidr::total_size(&all))
        }
    }
}

/// Pod subnets (one per AZ) inside `spaces`, grown to fill them evenly. `Err` carries the
/// addresses needed.
pub fn layout_pods(spaces: &[Ipv4Cidr], pod_needs: &[u64]) -> Result<Vec<Ipv4Cidr>, u64> {
    let required: Vec<u8> = pod_needs
        .iter()
        .map(|need| Ipv4Cidr::prefix_for_usable(*need))
        .collect();
    let widest = spaces.iter().map(|s| s.prefix()).min().unwrap_or(32);
    for grow in widest..=MAX_SUBNET_PREFIX {
        let sizes: Vec<u8> = required.iter().map(|r| (*r).min(grow)).collect();
        if let Some(blocks) = pack(spaces, &sizes) {
            return Ok(blocks);
        }
    }
    pack(spaces, &required).ok_or_else(|| crate::cidr::total_size(&required))
}

/// One subnet of a stable layout: where the lock put it (if it did) and the smallest
/// and preferred sizes it may have now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// The block recorded in the lock for this subnet.
    pub recorded: Option<Ipv4Cidr>,
    /// Prefix of the smallest block that holds the need.
    pub required: u8,
    /// Prefix a new block gets when the free space allows (its siblings' size), never
    /// smaller than `required` allows.
    pub preferred: u8,
}

/// Why a stable layout failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StableError {
    /// These requests (by index) cannot keep their recorded block: the reason for each.
    Moves(Vec<(usize, String)>),
    /// The new blocks do not fit in the free space; the addresses they need.
    NoRoom(u64),
}

/// A layout that keeps every recorded block that still holds its need and places the new
/// ones in the free space of `spaces` (largest first, lowest free aligned block). Recorded
/// blocks never move: one that is now too small, or outside `spaces`, is an error naming
/// it, because moving a subnet means Terraform replaces it.
pub fn layout_stable(
    spaces: &[Ipv4Cidr],
    requests: &[Request],
) -> Result<Vec<Ipv4Cidr>, StableError> {
    let mut out: Vec<Option<Ipv4Cidr>> = vec![None; requests.len()];
    let mut moves = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let Some(block) = r.recorded else { continue };
        if !spaces.iter().any(|s| s.contains(block)) {
            moves.push((
                i,
                format!(
                    "{block} is outside {}",
                    spaces
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        } else if block.prefix() > r.required {
            moves.push((
                i,
                format!(
                    "{block} holds {} addresses, the intent now needs a /{} ({} usable)",
                    block.usable(),
                    r.required,
                    Ipv4Cidr::new(0, r.required).usable()
                ),
            ));
        } else {
            out[i] = Some(block);
        }
    }
    if !moves.is_empty() {
        return Err(StableError::Moves(moves));
    }
    let mut taken: Vec<Ipv4Cidr> = out.iter().flatten().copied().collect();
    let mut new: Vec<usize> = (0..requests.len()).filter(|&i| out[i].is_none()).collect();
    new.sort_by_key(|&i| (requests[i].preferred.min(requests[i].required), i));
    for &i in &new {
        let r = requests[i];
        let preferred = r.preferred.min(r.required);
        let block = [preferred, r.required]
            .into_iter()
            .find_map(|prefix| first_free(spaces, &taken, prefix))
            .ok_or_else(|| {
                let sizes: Vec<u8> = new.iter().map(|&k| requests[k].required).collect();
                StableError::NoRoom(crate::cidr::total_size(&sizes))
            })?;
        taken.push(block);
        out[i] = Some(block);
    }
    Ok(out.into_iter().flatten().collect())
}

/// The lowest aligned block of `prefix` inside one of `spaces` that overlaps nothing in
/// `taken`.
pub fn first_free(spaces: &[Ipv4Cidr], taken: &[Ipv4Cidr], prefix: u8) -> Option<Ipv4Cidr> {
    if prefix > 32 {
        return None;
    }
    let size = 1u64 << (32 - u32::from(prefix));
    spaces
        .iter()
        .filter(|s| s.prefix() <= prefix)
        .find_map(|space| {
            let mut base = u64::from(space.base());
            let end = base + space.size();
            while base + size <= end {
                let candidate = Ipv4Cidr::new(base as u32, prefix);
                match taken.iter().find(|t| t.overlaps(candidate)) {
                    None => return Some(candidate),
                    // Skip past the block in the way, staying aligned.
                    Some(t) => {
                        let past = u64::from(t.base()) + t.size();
                        base = past.div_ceil(size).max(base / size + 1) * size;
                    }
                }
            }
            None
        })
}

/// Candidate /16 blocks from 100.64.0.0/10 that do not overlap `taken`.
pub fn auto_secondary_candidates(taken: &[Ipv4Cidr]) -> Vec<Ipv4Cidr> {
    let base: Ipv4Cidr = AUTO_SECONDARY_BASE
        .parse()
        .unwrap_or(Ipv4Cidr::new(0x6440_0000, 10));
    let count = 1u32 << (AUTO_SECONDARY_PREFIX - base.prefix());
    (0..count)
        .map(|i| Ipv4Cidr::new(base.base() + (i << 16), AUTO_SECONDARY_PREFIX))
        .filter(|c| !taken.iter().any(|t| t.overlaps(*c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Ipv4Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn roomy_vpc_gets_19s_and_24s() {
        let l = layout_primary(c("10.0.0.0/16"), &[400, 400, 400]).unwrap();
        let p: Vec<String> = l.private.iter().map(ToString::to_string).collect();
        let q: Vec<String> = l.public.iter().map(ToString::to_string).collect();
        assert_eq!(p, ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]);
        assert_eq!(q, ["10.0.96.0/24", "10.0.97.0/24", "10.0.98.0/24"]);
        assert!(l.grown);
    }

    #[test]
    fn small_vpc_reports_total_need() {
        // A /24 cannot hold three subnets of 400 usable addresses.
        let need = layout_primary(c("10.0.0.0/24"), &[400, 400, 400]).unwrap_err();
        assert_eq!(need, 3 * 512 + 3 * 16);
    }

    #[test]
    fn pods_fill_secondary() {
        let blocks = layout_pods(&[c("100.64.0.0/16")], &[1000, 1000, 1000]).unwrap();
        let p: Vec<String> = blocks.iter().map(ToString::to_string).collect();
        assert_eq!(p, ["100.64.0.0/18", "100.64.64.0/18", "100.64.128.0/18"]);
    }

    #[test]
    fn stable_layout_keeps_recorded_blocks_and_fills_free_space() {
        let keep = |b: &str| Request {
            recorded: Some(c(b)),
            required: 20,
            preferred: 19,
        };
        let new = Request {
            recorded: None,
            required: 20,
            preferred: 19,
        };
        let got = layout_stable(
            &[c("10.0.0.0/16")],
            &[
                keep("10.0.0.0/19"),
                keep("10.0.32.0/19"),
                keep("10.0.64.0/19"),
                new,
            ],
        )
        .unwrap();
        assert_eq!(
            got[..3],
            [c("10.0.0.0/19"), c("10.0.32.0/19"), c("10.0.64.0/19")]
        );
        assert_eq!(got[3], c("10.0.96.0/19"));
        // Public /24s recorded at 10.0.96.0/24..: the new /19 goes past them.
        let public = |b: &str| Request {
            recorded: Some(c(b)),
            required: 24,
            preferred: 24,
        };
        let got = layout_stable(
            &[c("10.0.0.0/16")],
            &[
                keep("10.0.0.0/19"),
                public("10.0.96.0/24"),
                new,
                Request {
                    recorded: None,
                    required: 24,
                    preferred: 24,
                },
            ],
        )
        .unwrap();
        assert_eq!(got[2], c("10.0.32.0/19"));
        assert_eq!(got[3], c("10.0.64.0/24"));
    }

    #[test]
    fn stable_layout_names_blocks_that_would_move() {
        let small = Request {
            recorded: Some(c("10.0.0.0/24")),
            required: 22,
            preferred: 22,
        };
        let outside = Request {
            recorded: Some(c("10.9.0.0/24")),
            required: 24,
            preferred: 24,
        };
        match layout_stable(&[c("10.0.0.0/16")], &[small, outside]) {
            Err(StableError::Moves(m)) => {
                assert_eq!(m.len(), 2);
                assert!(m[0].1.contains("holds 251 addresses"), "{}", m[0].1);
                assert!(m[1].1.contains("outside 10.0.0.0/16"), "{}", m[1].1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn first_free_skips_taken_blocks_aligned() {
        let got = first_free(
            &[c("10.0.0.0/16")],
            &[c("10.0.0.0/24"), c("10.0.1.0/26")],
            22,
        );
        assert_eq!(got, Some(c("10.0.4.0/22")));
        assert_eq!(
            first_free(&[c("10.0.0.0/24")], &[c("10.0.0.0/24")], 28),
            None
        );
    }

    #[test]
    fn auto_candidates_skip_taken() {
        let got = auto_secondary_candidates(&[c("100.64.0.0/16")]);
        assert_eq!(got[0], c("100.65.0.0/16"));
        assert_eq!(got.len(), 63);
    }

    proptest! {
        /// A zone added to a recorded layout never moves a recorded block, and every block
        /// still lies in the VPC without overlaps (or there is no room, said so).
        #[test]
        fn a_new_zone_keeps_every_recorded_block(
            vpc_prefix in 16u8..=22,
            needs in proptest::collection::vec(0u64..4_000, 2..=4),
            new_need in 0u64..4_000,
        ) {
            let vpc = Ipv4Cidr::new(0x0a00_0000, vpc_prefix);
            if let Ok(first) = layout_primary(vpc, &needs) {
                let public = public_prefix(vpc);
                let mut requests: Vec<Request> = first.private.iter().zip(&needs).map(|(b, n)| Request {
                    recorded: Some(*b), required: Ipv4Cidr::prefix_for_usable(*n), preferred: b.prefix(),
                }).collect();
                requests.push(Request { recorded: None, required: Ipv4Cidr::prefix_for_usable(new_need), preferred: first.private[0].prefix() });
                requests.extend(first.public.iter().map(|b| Request { recorded: Some(*b), required: public, preferred: public }));
                requests.push(Request { recorded: None, required: public, preferred: public });
                match layout_stable(&[vpc], &requests) {
                    Ok(blocks) => {
                        for (r, b) in requests.iter().zip(&blocks) {
                            if let Some(rec) = r.recorded { prop_assert_eq!(rec, *b); }
                            prop_assert!(vpc.contains(*b));
                        }
                        for (i, a) in blocks.iter().enumerate() {
                            for b in &blocks[i + 1..] { prop_assert!(!a.overlaps(*b)); }
                        }
                        prop_assert!(blocks[needs.len()].usable() >= new_need);
                    }
                    Err(StableError::NoRoom(_)) => {}
                    Err(e) => prop_assert!(false, "{e:?}"),
                }
            }
        }

        #[test]
        fn layouts_never_overlap_and_hold_needs(
            vpc_prefix in 16u8..=24,
            needs in proptest::collection::vec(0u64..20_000, 2..=4),
        ) {
            let vpc = Ipv4Cidr::new(0x0a00_0000, vpc_prefix);
            if let Ok(l) = layout_primary(vpc, &needs) {
                let all: Vec<Ipv4Cidr> = l.private.iter().chain(&l.public).copied().collect();
                for (i, a) in all.iter().enumerate() {
                    prop_assert!(vpc.contains(*a));
                    for b in &all[i + 1..] {
                        prop_assert!(!a.overlaps(*b));
                    }
                }
                for (block, need) in l.private.iter().zip(&needs) {
                    prop_assert!(block.usable() >= *need);
                }
            } else {
                let required: u64 = needs.iter().map(|n| Ipv4Cidr::new(0, Ipv4Cidr::prefix_for_usable(*n)).size()).sum();
                prop_assert!(required + needs.len() as u64 * Ipv4Cidr::new(0, public_prefix(vpc)).size() > vpc.size());
            }
        }
    }
}
