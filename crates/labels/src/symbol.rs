//! Turns a label's data into modules: a square matrix (QR, DataMatrix) or a row of bars
//! (EAN-13, GS1-128), each with the quiet zone its standard asks for.

use std::ops::Range;

use nguon_gs1::GROUP_SEPARATOR;

use crate::{Label, LabelError, Symbology};

/// An encoded symbol, in modules.
pub(crate) enum Symbol {
    /// QR Code or DataMatrix.
    Matrix(Matrix),
    /// EAN-13 or GS1-128.
    Linear(Linear),
}

/// A square grid of modules.
pub(crate) struct Matrix {
    /// Modules per side, quiet zone excluded.
    pub side: usize,
    /// Dark modules, row by row.
    pub dark: Vec<bool>,
    /// Light modules required around the symbol on every side.
    pub quiet: usize,
}

/// A row of bars.
pub(crate) struct Linear {
    /// Dark modules from the first bar to the last.
    pub dark: Vec<bool>,
    /// Light modules required left and right.
    pub quiet: (usize, usize),
    /// Modules whose bars reach down into the human-readable line (EAN guard bars).
    pub guards: &'static [Range<usize>],
    /// The human-readable interpretation under the bars.
    pub hri: Vec<Hri>,
}

/// A piece of human-readable text under the bars, placed in module units from the first bar.
pub(crate) struct Hri {
    /// The text.
    pub text: String,
    /// Horizontal centre.
    pub center: f32,
    /// Room it may take.
    pub width: f32,
}

/// QR Code (ISO/IEC 18004) needs 4 light modules around it.
const QR_QUIET: usize = 4;
/// DataMatrix (ISO/IEC 16022) needs one.
const DATAMATRIX_QUIET: usize = 1;
/// Code 128 (ISO/IEC 15417) needs 10 on each side.
const CODE128_QUIET: usize = 10;
/// EAN-13 needs 11 on the left and 7 on the right (GS1 General Specifications 5.2.3.4).
const EAN13_QUIET: (usize, usize) = (11, 7);
/// The start, centre and end guard patterns of EAN-13.
const EAN13_GUARDS: &[Range<usize>] = &[0..3, 45..50, 92..95];

/// Encodes the label's data for `symbology`.
pub(crate) fn encode(label: &Label, symbology: Symbology) -> Result<Symbol, LabelError> {
    let data = label.data(symbology)?;
    let failed = |detail: String| LabelError::Symbology {
        symbology: symbology.as_str(),
        rule: detail,
    };
    match symbology {
        Symbology::DigitalLinkQr => {
            // Level M survives a scuffed or wrinkled label without growing the symbol much.
            let code = qrcode::QrCode::with_error_correction_level(&data, qrcode::EcLevel::M)
                .map_err(|error| failed(error.to_string()))?;
            Ok(Symbol::Matrix(Matrix {
                side: code.width(),
                dark: code
                    .to_colors()
                    .into_iter()
                    .map(|color| color == qrcode::Color::Dark)
                    .collect(),
                quiet: QR_QUIET,
            }))
        }
        Symbology::DataMatrix => {
            let symbols = datamatrix::SymbolList::default().enforce_square();
            let code = datamatrix::DataMatrix::encode_gs1(data.as_bytes(), symbols)
                .map_err(|_| failed("the data does not fit in the largest square symbol".into()))?;
            let bitmap = code.bitmap();
            let side = bitmap.width();
            let mut dark = vec![false; side * bitmap.height()];
            for (x, y) in bitmap.pixels() {
                dark[y * side + x] = true;
            }
            Ok(Symbol::Matrix(Matrix {
                side,
                dark,
                quiet: DATAMATRIX_QUIET,
            }))
        }
        Symbology::Ean13 => {
            let code = barcoders::sym::ean13::EAN13::new(&data)
                .map_err(|error| failed(error.to_string()))?;
            Ok(Symbol::Linear(Linear {
                dark: code.encode().into_iter().map(|bit| bit == 1).collect(),
                quiet: EAN13_QUIET,
                guards: EAN13_GUARDS,
                // The first digit sits in the left quiet zone, the other twelve in two groups
                // of six between the guards.
                hri: vec![
                    Hri {
                        text: data[..1].to_owned(),
                        center: -(EAN13_QUIET.0 as f32) / 2.0,
                        width: EAN13_QUIET.0 as f32 - 2.0,
                    },
                    Hri {
                        text: data[1..7].to_owned(),
                        center: 24.0,
                        width: 42.0,
                    },
                    Hri {
                        text: data[7..].to_owned(),
                        center: 71.0,
                        width: 42.0,
                    },
                ],
            }))
        }
        Symbology::Gs1128 => {
            let code = barcoders::sym::code128::Code128::new(code128_input(&data))
                .map_err(|error| failed(error.to_string()))?;
            let dark: Vec<bool> = code.encode().into_iter().map(|bit| bit == 1).collect();
            let modules = dark.len() as f32;
            Ok(Symbol::Linear(Linear {
                dark,
                quiet: (CODE128_QUIET, CODE128_QUIET),
                guards: &[],
                hri: vec![Hri {
                    text: label.element_hri(),
                    center: modules / 2.0,
                    width: modules,
                }],
            }))
        }
    }
}

/// The Code 128 input barcoders expects for a GS1 element string: FNC1 (`Ź`) first, code set C
/// (`Ć`) for pairs of digits, code set B (`Ɓ`) for anything else, and FNC1 for each GS, which
/// is how GS1-128 separates a variable-length value from the next AI.
fn code128_input(data: &str) -> String {
    const FNC1: char = 'Ź';
    const SET_B: char = 'Ɓ';
    const SET_C: char = 'Ć';
    let chars: Vec<char> = data.chars().collect();
    let digits_from = |start: usize| {
        chars[start..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut set_c = digits_from(0) >= 2;
    let mut input = String::from(if set_c { SET_C } else { SET_B });
    input.push(FNC1);
    let mut i = 0;
    while i < chars.len() {
        let digits = digits_from(i);
        if chars[i] == GROUP_SEPARATOR {
            input.push(FNC1);
            i += 1;
        } else if set_c && digits >= 2 {
            input.extend(&chars[i..i + 2]);
            i += 2;
        } else if set_c {
            input.push(SET_B);
            set_c = false;
        } else if digits >= 4 && digits % 2 == 0 {
            // Four digits take two symbols in set C against four in set B, so the switch pays;
            // an odd run first sends one digit in set B.
            input.push(SET_C);
            set_c = true;
        } else {
            input.push(chars[i]);
            i += 1;
        }
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code128_input_uses_set_c_for_digit_pairs_and_fnc1_for_separators() {
        assert_eq!(
            code128_input("01089346730000171726123110PL7\u{1d}21000123"),
            "ĆŹ01089346730000171726123110ƁPL7ŹĆ21000123"
        );
        assert_eq!(code128_input("10AB12345"), "ĆŹ10ƁAB1Ć2345");
        assert_eq!(code128_input("10A1"), "ĆŹ10ƁA1");
    }
}
