//! 记录编号: client-made UUIDv7 ids, so records made offline never collide and sort by time.

use uuid::Uuid;

/// Builds a UUIDv7 (RFC 9562 §5.7) from a unix-millisecond time and 10 random bytes.
///
/// Hand-built because the `uuid` crate's `v7` feature pulls in a clock and an RNG; the caller
/// (PWA: `crypto.getRandomValues`, server: OS RNG) supplies both, which keeps `model` pure.
/// Layout: 48-bit big-endian ms | version 7 | 12 bits rand_a | variant `10` | 62 bits rand_b.
pub fn new_record_id(unix_ms: u64, random: [u8; 10]) -> Uuid {
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
    b[6..].copy_from_slice(&random);
    b[6] = 0x70 | (b[6] & 0x0F);
    b[8] = 0x80 | (b[8] & 0x3F);
    Uuid::from_bytes(b)
}

/// The millisecond timestamp embedded in a UUIDv7, or `None` for other versions.
pub fn record_id_time(id: &Uuid) -> Option<u64> {
    if id.get_version_num() != 7 {
        return None;
    }
    let b = id.as_bytes();
    let mut ms = [0u8; 8];
    ms[2..].copy_from_slice(&b[..6]);
    Some(u64::from_be_bytes(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_version_and_variant_whatever_the_random_bytes() {
        for fill in [0x00u8, 0xFF, 0x5A] {
            let id = new_record_id(1_733_875_200_000, [fill; 10]);
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            let s = id.to_string();
            assert_eq!(&s[14..15], "7");
            assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"));
        }
    }

    #[test]
    fn embeds_the_timestamp() {
        let id = new_record_id(0x0123_4567_89AB, [0; 10]);
        assert!(id.to_string().starts_with("01234567-89ab-7"));
        assert_eq!(record_id_time(&id), Some(0x0123_4567_89AB));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = new_record_id(1_733_875_200_000, [0xFF; 10]);
        let b = new_record_id(1_733_875_200_001, [0x00; 10]);
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }
}
