//! Identity documents (一人一码: a person is their document) and masking.
//!
//! `Debug` of every type here shows the masked form only, so a document can
//! never reach a log or a panic message in full.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// The kinds of document a person may sign in with. The discriminant is the
/// kind's wire number: never renumber.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum DocumentKind {
    /// 18-digit resident identity card number (GB 11643), also the residence
    /// permits of Hong Kong, Macao and Taiwan residents (regions 81, 82, 83).
    ResidentId = 0,
    /// A passport: 6 to 9 letters and digits with at least one digit.
    Passport = 1,
    /// Mainland travel permit for Hong Kong and Macao residents (回乡证):
    /// `H` or `M`, then 8 digits (or 10 on the older cards).
    HkMacaoPermit = 2,
    /// Mainland travel permit for Taiwan residents (台胞证): 8 digits.
    TaiwanPermit = 3,
}

impl DocumentKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            DocumentKind::ResidentId => "居民身份证",
            DocumentKind::Passport => "护照",
            DocumentKind::HkMacaoPermit => "港澳居民来往内地通行证",
            DocumentKind::TaiwanPermit => "台湾居民来往大陆通行证",
        }
    }

    /// Traditional Chinese (Hong Kong, Macao, Taiwan visitors: 来穗人员).
    pub fn label_zh_hant(self) -> &'static str {
        match self {
            DocumentKind::ResidentId => "居民身份證",
            DocumentKind::Passport => "護照",
            DocumentKind::HkMacaoPermit => "港澳居民來往內地通行證",
            DocumentKind::TaiwanPermit => "台灣居民來往大陸通行證",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DocumentKind::ResidentId => "Resident ID card",
            DocumentKind::Passport => "Passport",
            DocumentKind::HkMacaoPermit => "HK/Macao travel permit",
            DocumentKind::TaiwanPermit => "Taiwan travel permit",
        }
    }

    pub(crate) fn from_wire(n: u8) -> Option<DocumentKind> {
        [
            Self::ResidentId,
            Self::Passport,
            Self::HkMacaoPermit,
            Self::TaiwanPermit,
        ]
        .into_iter()
        .find(|k| *k as u8 == n)
    }
}

/// Why a document number was refused. Never carries the number itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the document number is empty")]
    Empty,
    #[error("a {kind:?} number has {expected}, this one has {found} characters")]
    WrongLength {
        kind: DocumentKind,
        expected: &'static str,
        found: usize,
    },
    #[error("a {kind:?} number cannot have the character at position {position}")]
    InvalidCharacter { kind: DocumentKind, position: usize },
    #[error("the resident ID's region code names no province")]
    UnknownRegion,
    #[error("the resident ID's birth date is not a calendar date")]
    InvalidBirthDate,
    #[error("the resident ID's birth date is in the future")]
    BirthDateInFuture,
    #[error("the resident ID's check digit does not match: a digit was mistyped")]
    CheckDigitMismatch,
}

/// A validated 18-digit resident ID number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    number: String,
    birth_date: Date,
}

/// GB 11643 province codes (first two digits of the region code), with 81,
/// 82 and 83 for the residence permits of Hong Kong, Macao and Taiwan.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

const CHECK_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

impl ResidentId {
    /// Validates an 18-character resident ID as of `today`: shape, region,
    /// a real birth date not after `today`, and the ISO 7064 MOD 11-2 check
    /// character (`X` standing for 10; a lowercase `x` is accepted).
    pub fn parse(number: &str, today: Date) -> Result<ResidentId, DocumentError> {
        let kind = DocumentKind::ResidentId;
        let number = number.trim().to_ascii_uppercase();
        if number.is_empty() {
            return Err(DocumentError::Empty);
        }
        let bytes = number.as_bytes();
        if bytes.len() != 18 {
            return Err(DocumentError::WrongLength {
                kind,
                expected: "18 characters",
                found: number.chars().count(),
            });
        }
        if let Some(position) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
            return Err(DocumentError::InvalidCharacter { kind, position });
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(DocumentError::InvalidCharacter { kind, position: 17 });
        }
        let digit = |i: usize| u32::from(bytes[i] - b'0');
        let province = (digit(0) * 10 + digit(1)) as u8;
        if !PROVINCES.contains(&province) {
            return Err(DocumentError::UnknownRegion);
        }
        let year = (6..10).fold(0, |acc, i| acc * 10 + digit(i)) as i32;
        let month = (digit(10) * 10 + digit(11)) as u8;
        let day = (digit(12) * 10 + digit(13)) as u8;
        let birth_date = Month::try_from(month)
            .ok()
            .and_then(|month| Date::from_calendar_date(year, month, day).ok())
            .filter(|_| year >= 1800)
            .ok_or(DocumentError::InvalidBirthDate)?;
        if birth_date > today {
            return Err(DocumentError::BirthDateInFuture);
        }
        let sum: u32 = (0..17).map(|i| digit(i) * CHECK_WEIGHTS[i]).sum();
        if CHECK_CHARS[(sum % 11) as usize] != bytes[17] {
            return Err(DocumentError::CheckDigitMismatch);
        }
        Ok(ResidentId { number, birth_date })
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// Age in whole years on `date`; someone born on 29 February turns a
    /// year older on 1 March in common years.
    pub fn age_on(&self, date: Date) -> u32 {
        age_on(self.birth_date, date)
    }
}

/// Whole years from `birth` to `date` (0 if `date` is before `birth`).
pub fn age_on(birth: Date, date: Date) -> u32 {
    let mut years = date.year() - birth.year();
    if (date.month() as u8, date.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", mask_document_number(&self.number))
    }
}

/// A validated identity document.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Document {
    ResidentId(ResidentId),
    Passport(String),
    HkMacaoPermit(String),
    TaiwanPermit(String),
}

impl Document {
    /// Validates `number` as a document of `kind`, as of `today`. Surrounding
    /// spaces are dropped and letters uppercased before the checks.
    pub fn parse(kind: DocumentKind, number: &str, today: Date) -> Result<Document, DocumentError> {
        if kind == DocumentKind::ResidentId {
            return ResidentId::parse(number, today).map(Document::ResidentId);
        }
        let number = number.trim().to_ascii_uppercase();
        if number.is_empty() {
            return Err(DocumentError::Empty);
        }
        let found = number.chars().count();
        let bytes = number.as_bytes();
        let bad_at = |position| Err(DocumentError::InvalidCharacter { kind, position });
        match kind {
            DocumentKind::ResidentId => unreachable!("handled above"),
            DocumentKind::Passport => {
                if !(6..=9).contains(&found) {
                    return Err(DocumentError::WrongLength {
                        kind,
                        expected: "6 to 9 characters",
                        found,
                    });
                }
                if let Some(p) = bytes.iter().position(|b| !b.is_ascii_alphanumeric()) {
                    return bad_at(p);
                }
                if !bytes.iter().any(u8::is_ascii_digit) {
                    return bad_at(0);
                }
                Ok(Document::Passport(number))
            }
            DocumentKind::HkMacaoPermit => {
                if found != 9 && found != 11 {
                    return Err(DocumentError::WrongLength {
                        kind,
                        expected: "H or M and 8 or 10 digits",
                        found,
                    });
                }
                if !matches!(bytes[0], b'H' | b'M') {
                    return bad_at(0);
                }
                if let Some(p) = bytes[1..].iter().position(|b| !b.is_ascii_digit()) {
                    return bad_at(p + 1);
                }
                Ok(Document::HkMacaoPermit(number))
            }
            DocumentKind::TaiwanPermit => {
                if found != 8 {
                    return Err(DocumentError::WrongLength {
                        kind,
                        expected: "8 digits",
                        found,
                    });
                }
                if let Some(p) = bytes.iter().position(|b| !b.is_ascii_digit()) {
                    return bad_at(p);
                }
                Ok(Document::TaiwanPermit(number))
            }
        }
    }

    pub fn kind(&self) -> DocumentKind {
        match self {
            Document::ResidentId(_) => DocumentKind::ResidentId,
            Document::Passport(_) => DocumentKind::Passport,
            Document::HkMacaoPermit(_) => DocumentKind::HkMacaoPermit,
            Document::TaiwanPermit(_) => DocumentKind::TaiwanPermit,
        }
    }

    /// The normalised number. Handle with care: it is personal data.
    pub fn number(&self) -> &str {
        match self {
            Document::ResidentId(id) => id.number(),
            Document::Passport(n) | Document::HkMacaoPermit(n) | Document::TaiwanPermit(n) => n,
        }
    }

    /// The birth date the document itself proves, if it carries one.
    pub fn birth_date(&self) -> Option<Date> {
        match self {
            Document::ResidentId(id) => Some(id.birth_date()),
            _ => None,
        }
    }

    pub fn masked(&self) -> MaskedDocument {
        mask_document(self)
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({})", self.kind(), self.masked())
    }
}

/// A document number with only its ends shown, e.g. `4401**********123X`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MaskedDocument {
    pub(crate) kind: DocumentKind,
    pub(crate) length: u8,
    pub(crate) head: String,
    pub(crate) tail: String,
}

/// How many characters each end of a masked number shows: 4, or fewer for
/// short numbers so that at least one character is always hidden.
pub(crate) fn visible_per_side(length: usize) -> usize {
    4.min(length.saturating_sub(1) / 2)
}

fn mask_document_number(number: &str) -> String {
    let n = number.len();
    let side = visible_per_side(n);
    format!(
        "{}{}{}",
        &number[..side],
        "*".repeat(n - 2 * side),
        &number[n - side..]
    )
}

/// Masks a document number (DESIGN §2, 问题九): only its first 4 and last 4
/// characters show, the rest are starred. A number of 8 characters or fewer
/// shows fewer at each end (`(len - 1) / 2`) so that one is always hidden.
pub fn mask_document(document: &Document) -> MaskedDocument {
    let number = document.number();
    let n = number.len();
    let side = visible_per_side(n);
    MaskedDocument {
        kind: document.kind(),
        length: n as u8,
        head: number[..side].to_owned(),
        tail: number[n - side..].to_owned(),
    }
}

impl MaskedDocument {
    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    /// Length of the full number.
    pub fn length(&self) -> usize {
        self.length.into()
    }
}

impl fmt::Display for MaskedDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = self.length() - self.head.len() - self.tail.len();
        write!(f, "{}{}{}", self.head, "*".repeat(hidden), self.tail)
    }
}

/// Why a name was refused (DESIGN §2, Names). Never carries the name
/// itself, only what was wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {MAX_NAME_CHARS} characters")]
    TooLong,
    /// A control character (Unicode Cc): a newline, a NUL, an escape.
    #[error("the name contains a control character")]
    ControlCharacter,
    /// A format character (Unicode Cf): a bidi override such as U+202E or a
    /// zero-width space, which would make the masked name shown at a
    /// checkpoint read differently from the one signed.
    #[error(
        "the name contains an invisible format character (a direction override or zero-width character)"
    )]
    FormatCharacter,
    /// A combining mark with nothing to combine with.
    #[error("the name begins with a combining mark")]
    LeadingCombiningMark,
}

impl NameError {
    /// The reason as the API names it (`invalid_name` + this).
    pub fn as_str(self) -> &'static str {
        match self {
            NameError::Empty => "empty",
            NameError::TooLong => "too_long",
            NameError::ControlCharacter => "control_character",
            NameError::FormatCharacter => "format_character",
            NameError::LeadingCombiningMark => "leading_combining_mark",
        }
    }
}

/// Longest name accepted, in characters after NFC normalisation (DESIGN §2).
pub const MAX_NAME_CHARS: usize = 30;

/// The Unicode general category Cf (format characters), Unicode 15.1. A
/// short fixed list, so it is written out rather than pulled in as a table
/// crate; it covers every bidi control (U+202A–202E, U+2066–2069), the
/// zero-width characters (U+200B–200F, U+2060–2064, U+FEFF) and the tags.
pub fn is_format_character(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// A name as it is kept and compared (DESIGN §2, Names): trimmed,
/// NFC-normalised (so é typed as e + U+0301 and as U+00E9 is one name), 1–30
/// characters, without control or format characters and not starting with a
/// combining mark. The middle dot `·` of minority names (阿卜杜·热合曼) is an
/// ordinary punctuation character and passes.
pub fn normalise_name(name: &str) -> Result<String, NameError> {
    use unicode_normalization::UnicodeNormalization;
    let name: String = name.trim().nfc().collect();
    let mut chars = name.chars();
    let first = chars.clone().next().ok_or(NameError::Empty)?;
    if chars.clone().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    if chars.clone().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    if chars.any(is_format_character) {
        return Err(NameError::FormatCharacter);
    }
    if unicode_normalization::char::is_combining_mark(first) {
        return Err(NameError::LeadingCombiningMark);
    }
    Ok(name)
}

/// A name with only its first and last characters shown: 张*明, 王*.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MaskedName {
    pub(crate) first: char,
    pub(crate) last: Option<char>,
    pub(crate) hidden: u8,
}

/// Masks a name (DESIGN §2) after [`normalise_name`] accepted it: the first
/// and last characters show and every character between them is starred
/// (张*明, 欧阳**凤); a two-character name shows its first only (王*); a
/// one-character name is shown as it is. Latin names likewise, counting
/// every character (`Zhang Wei` → `Z*******i`).
pub fn mask_name(name: &str) -> Result<MaskedName, NameError> {
    let name = normalise_name(name)?;
    let chars: Vec<char> = name.chars().collect();
    let n = chars.len();
    Ok(match n {
        1 => MaskedName {
            first: chars[0],
            last: None,
            hidden: 0,
        },
        2 => MaskedName {
            first: chars[0],
            last: None,
            hidden: 1,
        },
        _ => MaskedName {
            first: chars[0],
            last: Some(chars[n - 1]),
            hidden: (n - 2) as u8,
        },
    })
}

impl fmt::Display for MaskedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.first, "*".repeat(self.hidden.into()))?;
        if let Some(last) = self.last {
            write!(f, "{last}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn the_standards_sample_ids_are_valid() {
        let id = ResidentId::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        let id = ResidentId::parse("440524188001010014", TODAY).unwrap();
        assert_eq!(id.birth_date(), date!(1880 - 01 - 01));
    }

    #[test]
    fn a_lowercase_x_and_surrounding_spaces_are_accepted() {
        let id = ResidentId::parse(" 11010519491231002x ", TODAY).unwrap();
        assert_eq!(id.number(), "11010519491231002X");
    }

    #[test]
    fn a_mistyped_digit_fails_the_check_digit() {
        assert_eq!(
            ResidentId::parse("11010519491231003X", TODAY),
            Err(DocumentError::CheckDigitMismatch)
        );
        assert_eq!(
            ResidentId::parse("110105194912310021", TODAY),
            Err(DocumentError::CheckDigitMismatch)
        );
    }

    #[test]
    fn wrong_shapes_are_refused_with_their_reason() {
        let kind = DocumentKind::ResidentId;
        assert_eq!(ResidentId::parse("", TODAY), Err(DocumentError::Empty));
        assert_eq!(
            ResidentId::parse("1101051949123100", TODAY),
            Err(DocumentError::WrongLength {
                kind,
                expected: "18 characters",
                found: 16
            })
        );
        assert_eq!(
            ResidentId::parse("1101051949A231002X", TODAY),
            Err(DocumentError::InvalidCharacter { kind, position: 10 })
        );
        assert_eq!(
            ResidentId::parse("11010519491231002Y", TODAY),
            Err(DocumentError::InvalidCharacter { kind, position: 17 })
        );
        assert_eq!(
            ResidentId::parse("99010519491231002X", TODAY),
            Err(DocumentError::UnknownRegion)
        );
    }

    #[test]
    fn impossible_and_future_birth_dates_are_refused() {
        // 30 February; the check digit is irrelevant, dates are checked first.
        assert_eq!(
            ResidentId::parse("440104200002300011", TODAY),
            Err(DocumentError::InvalidBirthDate)
        );
        assert_eq!(
            ResidentId::parse("440104203001010011", TODAY),
            Err(DocumentError::BirthDateInFuture)
        );
    }

    #[test]
    fn age_counts_whole_years_and_leap_day_birthdays() {
        let birth = date!(2008 - 02 - 29);
        assert_eq!(age_on(birth, date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(birth, date!(2026 - 03 - 01)), 18);
        assert_eq!(age_on(date!(2008 - 11 - 28), TODAY), 18);
        assert_eq!(age_on(date!(2008 - 11 - 29), TODAY), 17);
        assert_eq!(age_on(date!(2030 - 01 - 01), TODAY), 0);
    }

    #[test]
    fn travel_documents_follow_their_shapes() {
        use DocumentKind::*;
        assert!(Document::parse(Passport, "E12345678", TODAY).is_ok());
        assert!(Document::parse(Passport, "ea1234567", TODAY).is_ok());
        assert_eq!(
            Document::parse(Passport, "E1234", TODAY),
            Err(DocumentError::WrongLength {
                kind: Passport,
                expected: "6 to 9 characters",
                found: 5
            })
        );
        assert_eq!(
            Document::parse(Passport, "E1234-678", TODAY),
            Err(DocumentError::InvalidCharacter {
                kind: Passport,
                position: 5
            })
        );
        assert_eq!(
            Document::parse(Passport, "ABCDEFG", TODAY),
            Err(DocumentError::InvalidCharacter {
                kind: Passport,
                position: 0
            })
        );
        assert!(Document::parse(HkMacaoPermit, "H12345678", TODAY).is_ok());
        assert!(Document::parse(HkMacaoPermit, "M1234567890", TODAY).is_ok());
        assert_eq!(
            Document::parse(HkMacaoPermit, "C12345678", TODAY),
            Err(DocumentError::InvalidCharacter {
                kind: HkMacaoPermit,
                position: 0
            })
        );
        assert_eq!(
            Document::parse(HkMacaoPermit, "H1234567X", TODAY),
            Err(DocumentError::InvalidCharacter {
                kind: HkMacaoPermit,
                position: 8
            })
        );
        assert!(Document::parse(TaiwanPermit, "01234567", TODAY).is_ok());
        assert!(Document::parse(TaiwanPermit, "0123456", TODAY).is_err());
        assert_eq!(
            Document::parse(TaiwanPermit, "  ", TODAY),
            Err(DocumentError::Empty)
        );
    }

    #[test]
    fn a_document_shows_only_its_first_and_last_four_characters() {
        let id = Document::parse(DocumentKind::ResidentId, "11010519491231002X", TODAY).unwrap();
        assert_eq!(id.masked().to_string(), "1101**********002X");
        let passport = Document::parse(DocumentKind::Passport, "E12345678", TODAY).unwrap();
        assert_eq!(passport.masked().to_string(), "E123*5678");
        let short = Document::parse(DocumentKind::Passport, "AB1234", TODAY).unwrap();
        assert_eq!(short.masked().to_string(), "AB**34");
        let taiwan = Document::parse(DocumentKind::TaiwanPermit, "01234567", TODAY).unwrap();
        assert_eq!(taiwan.masked().to_string(), "012**567");
    }

    #[test]
    fn debug_output_never_shows_the_full_number() {
        let id = Document::parse(DocumentKind::ResidentId, "11010519491231002X", TODAY).unwrap();
        let debug = format!("{id:?}");
        assert!(!debug.contains("11010519491231002X"), "{debug}");
        assert!(debug.contains("1101**********002X"), "{debug}");
    }

    #[test]
    fn names_show_their_first_and_last_characters() {
        let masked = |n| mask_name(n).unwrap().to_string();
        assert_eq!(masked("张三明"), "张*明");
        assert_eq!(masked("王五"), "王*");
        assert_eq!(masked("欧阳娜娜凤"), "欧***凤");
        assert_eq!(masked("李"), "李");
        assert_eq!(masked("Zhang Wei"), "Z*******i");
        assert_eq!(masked("  陈小红 "), "陈*红");
    }

    #[test]
    fn bad_names_are_refused() {
        assert_eq!(mask_name(" "), Err(NameError::Empty));
        assert_eq!(mask_name(&"名".repeat(31)), Err(NameError::TooLong));
        assert_eq!(mask_name(&"名".repeat(30)).unwrap().hidden, 28);
        assert_eq!(mask_name("张\u{0}明"), Err(NameError::ControlCharacter));
        assert_eq!(mask_name("张\n明"), Err(NameError::ControlCharacter));
    }

    /// Issue 11, finding 5: a name that reads differently on screen than the
    /// characters it holds is refused before it can be signed.
    #[test]
    fn direction_overrides_and_zero_width_characters_are_refused() {
        for spoof in [
            "\u{202E}明三张",
            "张\u{200B}三明",
            "张三\u{2066}明",
            "\u{FEFF}张三明",
            "张三明\u{200D}",
            "张\u{E0041}明",
        ] {
            assert_eq!(
                normalise_name(spoof),
                Err(NameError::FormatCharacter),
                "{spoof:?}"
            );
        }
        assert_eq!(
            normalise_name("\u{0301}李"),
            Err(NameError::LeadingCombiningMark)
        );
    }

    #[test]
    fn names_are_kept_in_nfc_and_minority_names_keep_their_middle_dot() {
        assert_eq!(normalise_name("Jose\u{0301}").unwrap(), "Jos\u{e9}");
        assert_eq!(normalise_name("Jos\u{e9}").unwrap(), "Jos\u{e9}");
        assert_eq!(normalise_name(" 阿卜杜·热合曼 ").unwrap(), "阿卜杜·热合曼");
        assert_eq!(mask_name("阿卜杜·热合曼").unwrap().to_string(), "阿*****曼");
    }
}
