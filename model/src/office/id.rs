//! Derived ids of office records: the same keys give the same UUID on every device.

use uuid::Uuid;

/// FNV-1a 128-bit: tiny, pure and stable across platforms and releases, which is all a
/// derived id needs (the inputs are a handful of short keys, not adversarial data; a collision
/// would also need the same kind, as the kind is hashed in). The workspace's `uuid` has no
/// `v5` feature, and adding one would pull SHA-1 into the wasm for this alone.
fn fnv1a_128(parts: &[&str]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        // A separator byte that never occurs in UTF-8 text, so ("ab","c") ≠ ("a","bc").
        let sep: &[u8] = if i == 0 { &[] } else { &[0xff] };
        for b in sep.iter().chain(part.as_bytes()) {
            h ^= u128::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// The id of the office record of `kind` with these key parts, as a UUIDv8 (RFC 9562 §5.8,
/// "custom"): version nibble 8 and the RFC variant, so it never equals a device's UUIDv7.
pub fn office_record_id(kind: &str, parts: &[&str]) -> Uuid {
    let mut all = vec!["yinhuan-office", kind];
    all.extend_from_slice(parts);
    let mut b = fnv1a_128(&all).to_be_bytes();
    b[6] = 0x80 | (b[6] & 0x0F);
    b[8] = 0x80 | (b[8] & 0x3F);
    Uuid::from_bytes(b)
}
