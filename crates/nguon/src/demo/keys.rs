//! GS1 keys for the demo's organisations. Enterprises, cooperatives and the department hold a
//! 9-digit GS1 Vietnam company prefix (893 and six digits, the length the built-in prefix table
//! gives 893); a household has none of its own and gets a block of keys from the province's
//! prefix, which the department holds, as the design allows for small producers.

use nguon_gs1::mod10_check_digit;

/// Where an organisation's keys come from.
#[derive(Debug, Clone)]
pub struct KeyBlock {
    /// The 9-digit company prefix.
    prefix: String,
    /// The first location and item reference of the block (0 for a prefix of one's own).
    first: u32,
}

/// Location or item references a household's block holds.
const HOUSEHOLD_BLOCK: u32 = 10;

/// The first six digits after 893 of the demo's prefixes; the department's is the first.
const PREFIX_BASE: u32 = 580_000;

impl KeyBlock {
    /// The company prefix of the `n`th organisation with a prefix of its own (0 = the province).
    pub fn own(n: u32) -> Self {
        Self {
            prefix: format!("893{:06}", PREFIX_BASE + n),
            first: 0,
        }
    }

    /// The `n`th household's block within the province's prefix. Reference 0 of the province's
    /// prefix is the department's own GLN, so blocks start at 10.
    pub fn household(n: u32) -> Self {
        Self {
            first: HOUSEHOLD_BLOCK * (n + 1),
            ..Self::own(0)
        }
    }

    /// The company prefix the keys are made from.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// GLN `n` of the block: 0 is the organisation as a party, 1… its facilities.
    pub fn gln(&self, n: u32) -> String {
        with_check(&format!("{}{:03}", self.prefix, self.first + n))
    }

    /// The GTIN-14 (indicator 0) of item `n` of the block.
    pub fn gtin(&self, n: u32) -> String {
        with_check(&format!("0{}{:03}", self.prefix, self.first + n))
    }

    /// The SSCC of logistic unit `serial` (extension digit 0).
    pub fn sscc(&self, serial: u32) -> String {
        with_check(&format!("0{}{serial:07}", self.prefix))
    }
}

/// `body` followed by its GS1 mod-10 check digit.
pub fn with_check(body: &str) -> String {
    let check = mod10_check_digit(body).expect("a demo key body is all digits");
    format!("{body}{check}")
}

/// A lot of a trade item as a form takes it: a GS1 element string.
pub fn lot(gtin: &str, lot: &str) -> String {
    format!("(01){gtin}(10){lot}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use nguon_gs1::{Gln, Gtin, Sscc};

    #[test]
    fn keys_are_valid_and_households_do_not_overlap() {
        let own = KeyBlock::own(7);
        assert_eq!(own.prefix(), "893580007");
        Gln::parse(&own.gln(0)).unwrap();
        Gtin::parse(&own.gtin(1)).unwrap();
        Sscc::parse(&own.sscc(1)).unwrap();
        let (first, second) = (KeyBlock::household(0), KeyBlock::household(1));
        assert_eq!(first.prefix(), KeyBlock::own(0).prefix());
        assert_ne!(first.gln(0), KeyBlock::own(0).gln(0));
        assert_eq!(&first.gln(9)[..12], "893580000019");
        assert_eq!(&second.gln(0)[..12], "893580000020");
    }
}
