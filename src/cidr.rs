//! IPv4 CIDR blocks and aligned carving.
//!
//! Owns the address arithmetic (parse, size, containment, overlap) and the buddy-style
//! allocator that places power-of-two subnets inside a block without gaps or overlaps.
//! Pure; knows nothing of subnets' roles. Addresses parse and print through
//! `std::net::Ipv4Addr`; the allocator is the reason this is not `ipnet` (no crate places
//! mixed-size blocks), which is where IPv6 clusters should start.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// AWS reserves the first four and the last address of every subnet.
pub const AWS_RESERVED_PER_SUBNET: u64 = 5;
/// Longest prefix length AWS allows for a subnet (the smallest subnet, a /28).
pub const MAX_SUBNET_PREFIX: u8 = 28;
/// Shortest prefix length AWS allows for a VPC CIDR block (the largest block, a /16).
pub const MIN_VPC_PREFIX: u8 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4Cidr {
    base: u32,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("`{0}` is not an IPv4 CIDR such as 10.0.0.0/16")]
    Syntax(String),
    #[error("`{given}` has host bits set; the block is {canonical}")]
    HostBits { given: String, canonical: String },
}

impl Ipv4Cidr {
    /// A block; host bits are cleared.
    pub fn new(base: u32, prefix: u8) -> Ipv4Cidr {
        let prefix = prefix.min(32);
        Ipv4Cidr {
            base: base & mask(prefix),
            prefix,
        }
    }

    pub fn base(self) -> u32 {
        self.base
    }

    pub fn prefix(self) -> u8 {
        self.prefix
    }

    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    /// Addresses left for hosts after AWS's five reserved ones.
    pub fn usable(self) -> u64 {
        self.size().saturating_sub(AWS_RESERVED_PER_SUBNET)
    }

    /// Last address, inclusive.
    pub fn last(self) -> u32 {
        self.base + (self.size() - 1) as u32
    }

    pub fn contains(self, other: Ipv4Cidr) -> bool {
        other.prefix >= self.prefix && other.base & mask(self.prefix) == self.base
    }

    pub fn overlaps(self, other: Ipv4Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// The smallest prefix length whose block holds `needed` usable addresses (AWS reserve
    /// included), never smaller than a /28.
    pub fn prefix_for_usable(needed: u64) -> u8 {
        let total = needed + AWS_RESERVED_PER_SUBNET;
        let mut prefix = MAX_SUBNET_PREFIX;
        while prefix > 0 && (1u64 << (32 - u32::from(prefix))) < total {
            prefix -= 1;
        }
        prefix
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

impl FromStr for Ipv4Cidr {
    type Err = CidrError;

    /// Strict parse: four decimal octets without leading zeros (the standard library's
    /// address syntax), `/0`..`/32`, no host bits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || CidrError::Syntax(s.to_string());
        let (addr, prefix) = s.split_once('/').ok_or_else(syntax)?;
        let prefix: u8 = parse_decimal(prefix)
            .filter(|p| *p <= 32)
            .ok_or_else(syntax)? as u8;
        let base = u32::from(addr.parse::<Ipv4Addr>().map_err(|_| syntax())?);
        let block = Ipv4Cidr::new(base, prefix);
        if block.base != base {
            return Err(CidrError::HostBits {
                given: s.to_string(),
                canonical: block.to_string(),
            });
        }
        Ok(block)
    }
}

fn parse_decimal(s: &str) -> Option<u32> {
    let ok = !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && !(s.len() > 1 && s.starts_with('0'));
    if ok { s.parse().ok() } else { None }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

impl Serialize for Ipv4Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Place blocks of the requested prefix lengths inside `space`, largest first, each aligned
/// to its own size. Returns the blocks in request order, or `None` when they do not fit.
///
/// Sorting by size makes every next offset aligned for the next (equal or smaller) block,
/// so the blocks fit exactly when their sizes sum to at most the space: no fragmentation.
pub fn carve(space: Ipv4Cidr, prefixes: &[u8]) -> Option<Vec<Ipv4Cidr>> {
    let mut order: Vec<usize> = (0..prefixes.len()).collect();
    order.sort_by_key(|&i| (prefixes[i], i));
    let mut out = vec![Ipv4Cidr::new(0, 32); prefixes.len()];
    let mut offset: u64 = 0;
    for i in order {
        let prefix = prefixes[i];
        if prefix < space.prefix || prefix > 32 {
            return None;
        }
        let size = 1u64 << (32 - u32::from(prefix));
        if offset + size > space.size() {
            return None;
        }
        out[i] = Ipv4Cidr::new(space.base + offset as u32, prefix);
        offset += size;
    }
    Some(out)
}

/// Total addresses of blocks with these prefixes.
pub fn total_size(prefixes: &[u8]) -> u64 {
    prefixes.iter().map(|p| 1u64 << (32 - u32::from(*p))).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Ipv4Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(c("10.0.0.0/16").to_string(), "10.0.0.0/16");
        assert_eq!(c("10.0.0.0/16").usable(), 65531);
        assert!(matches!(
            "10.0.0.1/16".parse::<Ipv4Cidr>(),
            Err(CidrError::HostBits { .. })
        ));
        for bad in [
            "10.0.0/16",
            "10.0.0.0",
            "10.0.0.0/33",
            "010.0.0.0/8",
            "10.0.0.256/24",
            "a.b.c.d/8",
            "10.0.0.0/ 8",
            "10.0.0.0.0/8",
            "+10.0.0.0/8",
            "10.0.0.00/32",
            " 10.0.0.0/8",
            "10.0.0.0/08",
        ] {
            assert!(bad.parse::<Ipv4Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn prefix_for_usable_counts_reserved() {
        assert_eq!(Ipv4Cidr::prefix_for_usable(0), 28);
        assert_eq!(Ipv4Cidr::prefix_for_usable(11), 28);
        assert_eq!(Ipv4Cidr::prefix_for_usable(12), 27);
        assert_eq!(Ipv4Cidr::prefix_for_usable(251), 24);
        assert_eq!(Ipv4Cidr::prefix_for_usable(252), 23);
    }

    #[test]
    fn carve_largest_first() {
        let got = carve(c("10.0.0.0/24"), &[28, 26, 26, 28]).unwrap();
        let shown: Vec<String> = got.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "10.0.0.128/28",
                "10.0.0.0/26",
                "10.0.0.64/26",
                "10.0.0.144/28"
            ]
        );
        assert!(carve(c("10.0.0.0/24"), &[25, 25, 28]).is_none());
    }

    proptest! {
        #[test]
        fn carved_blocks_are_disjoint_aligned_and_inside(
            base in any::<u32>(),
            space_prefix in 8u8..=24,
            extra in proptest::collection::vec(0u8..=8, 1..24),
        ) {
            let space = Ipv4Cidr::new(base, space_prefix);
            let prefixes: Vec<u8> = extra.iter().map(|e| space_prefix + e).collect();
            match carve(space, &prefixes) {
                Some(blocks) => {
                    prop_assert!(total_size(&prefixes) <= space.size());
                    for (i, b) in blocks.iter().enumerate() {
                        prop_assert_eq!(b.prefix(), prefixes[i]);
                        prop_assert!(space.contains(*b));
                        prop_assert_eq!(u64::from(b.base()) % b.size(), 0);
                        for other in &blocks[i + 1..] {
                            prop_assert!(!b.overlaps(*other), "{} overlaps {}", b, other);
                        }
                    }
                }
                None => prop_assert!(total_size(&prefixes) > space.size()),
            }
        }

        #[test]
        fn parse_display_roundtrip(base in any::<u32>(), prefix in 0u8..=32) {
            let block = Ipv4Cidr::new(base, prefix);
            prop_assert_eq!(block.to_string().parse::<Ipv4Cidr>().unwrap(), block);
        }

        #[test]
        fn prefix_for_usable_is_tight(needed in 0u64..(1 << 24)) {
            let p = Ipv4Cidr::prefix_for_usable(needed);
            let block = Ipv4Cidr::new(0, p);
            prop_assert!(block.usable() >= needed);
            if p < MAX_SUBNET_PREFIX {
                prop_assert!(Ipv4Cidr::new(0, p + 1).usable() < needed);
            }
        }
    }
}
