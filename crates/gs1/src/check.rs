//! GS1 check digits: the mod-10 digit of numeric keys and the check character pair of GMN/MUDI.

const CSET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const PRIMES: [u32; 23] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
];

/// The mod-10 check digit for `data` (the digits before the check digit), or `None` if `data`
/// holds anything but ASCII digits.
///
/// Weights 3, 1, 3, 1… are applied from the rightmost data digit (GS1 General Specifications
/// §7.9.1), so one function serves GTIN-8 to SSCC.
pub fn mod10_check_digit(data: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, b) in data.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum += u32::from(b - b'0') * weight;
    }
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// Whether the last digit of `digits` is the correct mod-10 check digit for the rest.
pub fn mod10_is_valid(digits: &str) -> bool {
    match digits.len().checked_sub(1) {
        Some(split) if split > 0 => {
            let (data, check) = digits.split_at(split);
            mod10_check_digit(data).is_some_and(|c| check.starts_with(c))
        }
        _ => false,
    }
}

/// The two check characters for `data` (GS1 General Specifications §7.9.5), or `None` if `data`
/// is empty, longer than 23 characters or leaves character set 82.
pub fn check_character_pair(data: &str) -> Option<String> {
    let len = data.chars().count();
    if len == 0 || len > PRIMES.len() {
        return None;
    }
    let mut sum = 0u32;
    for (i, c) in data.chars().enumerate() {
        let value = CSET82.find(c)? as u32;
        sum += value * PRIMES[len - 1 - i];
    }
    let check = sum % 1021;
    Some(
        [CSET32[(check >> 5) as usize], CSET32[(check & 31) as usize]]
            .iter()
            .map(|&b| char::from(b))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_keys_pass() {
        for key in [
            "09506000134352",
            "4012345000009",
            "106141411234567897",
            "96385074",
            "036000291452",
            "4006381333931",
            "8934673000017",
        ] {
            assert!(mod10_is_valid(key), "{key}");
        }
        assert!(!mod10_is_valid("4006381333932"));
        assert!(!mod10_is_valid("4"));
        assert!(!mod10_is_valid("40063813339x1"));
    }

    #[test]
    fn gmn_check_pair_matches_the_general_specifications_example() {
        assert_eq!(
            check_character_pair("1987654Ad4X4bL5ttr2310c").as_deref(),
            Some("2K")
        );
        assert_eq!(check_character_pair(""), None);
        assert_eq!(check_character_pair("ab~"), None);
    }

    proptest! {
        #[test]
        fn appending_the_check_digit_always_validates(data in "[0-9]{1,17}") {
            let check = mod10_check_digit(&data).unwrap();
            let key = format!("{data}{check}");
            prop_assert!(mod10_is_valid(&key));
        }

        #[test]
        fn any_single_digit_error_is_detected(data in "[0-9]{7,17}", position in 0usize..17, delta in 1u8..10) {
            let check = mod10_check_digit(&data).unwrap();
            let mut key: Vec<u8> = format!("{data}{check}").into_bytes();
            let position = position % key.len();
            key[position] = b'0' + (key[position] - b'0' + delta) % 10;
            prop_assert!(!mod10_is_valid(std::str::from_utf8(&key).unwrap()));
        }

        #[test]
        fn leading_zeros_do_not_change_the_check_digit(data in "[0-9]{1,12}") {
            prop_assert_eq!(mod10_check_digit(&data), mod10_check_digit(&format!("00{data}")));
        }
    }
}
