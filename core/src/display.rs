//! How things read and look on every surface — the code screen, the
//! checkpoint's result, the printed page: colours, control-reason labels,
//! Beijing time, capitalised colour names. A leaf: one place for each.

use suikang_protocol::{ControlReason, District, Rgb};
use time::{OffsetDateTime, UtcOffset};

/// A colour, 8 bits a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Rgba {
    pub const WHITE: Rgba = Rgba {
        r: 0xff,
        g: 0xff,
        b: 0xff,
        a: 0xff,
    };
    pub const BLACK: Rgba = Rgba {
        r: 0,
        g: 0,
        b: 0,
        a: 0xff,
    };
}

impl From<Rgb> for Rgba {
    /// An issuer's colour, opaque.
    fn from(Rgb([r, g, b]): Rgb) -> Rgba {
        Rgba { r, g, b, a: 0xff }
    }
}

/// The languages the core's texts come in (issue 15): Simplified Chinese,
/// Traditional Chinese for visitors from Hong Kong, Macao and Taiwan (the
/// seed's 来穗人员), and English. Every text the screens show carries all
/// three; the app picks one with [`Language::for_locale`] and lets the
/// person switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    ZhHans,
    ZhHant,
    En,
}

impl Language {
    /// The language for a locale as the phone reports it (BCP 47 `zh-HK`,
    /// `zh-Hant-TW`, or Java's `zh_TW`): an explicit script decides;
    /// otherwise Hong Kong, Macao and Taiwan read Traditional Chinese, any
    /// other Chinese Simplified, and everyone else English.
    pub fn for_locale(tag: &str) -> Language {
        let subtags: Vec<String> = tag
            .split(['-', '_'])
            .map(|s| s.to_ascii_lowercase())
            .collect();
        if subtags.first().map(String::as_str) != Some("zh") {
            return Language::En;
        }
        let has = |wanted: &[&str]| subtags[1..].iter().any(|s| wanted.contains(&s.as_str()));
        if has(&["hant"]) {
            Language::ZhHant
        } else if has(&["hans"]) {
            Language::ZhHans
        } else if has(&["hk", "mo", "tw"]) {
            Language::ZhHant
        } else {
            Language::ZhHans
        }
    }
}

/// The arrows of the code screen: one's own code first, the dependents'
/// behind them (问题五).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrow {
    Previous,
    Next,
}

impl Arrow {
    /// What a screen reader says for the arrow (TalkBack, VoiceOver).
    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Arrow::Previous, Language::ZhHans) => "上一个码",
            (Arrow::Previous, Language::ZhHant) => "上一個碼",
            (Arrow::Previous, Language::En) => "previous code",
            (Arrow::Next, Language::ZhHans) => "下一个码",
            (Arrow::Next, Language::ZhHant) => "下一個碼",
            (Arrow::Next, Language::En) => "next code",
        }
    }
}

/// A district's name as the pickers show it: the official Chinese name (as
/// GB/T 2260 lists it, in simplified characters, on the Traditional
/// Chinese screens too), or the English one.
pub fn district_name(district: &District, language: Language) -> String {
    match language {
        Language::ZhHans | Language::ZhHant => district.name_zh.to_owned(),
        Language::En => district.name_en(),
    }
}

/// A control reason with its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonLabel {
    pub reason: ControlReason,
    pub zh: String,
    pub zh_hant: String,
    pub en: String,
}

impl From<ControlReason> for ReasonLabel {
    fn from(reason: ControlReason) -> ReasonLabel {
        ReasonLabel {
            reason,
            zh: reason.label_zh().to_owned(),
            zh_hant: reason.label_zh_hant().to_owned(),
            en: reason.label_en().to_owned(),
        }
    }
}

/// Beijing time (China Standard Time, UTC+8): what gates and Guangzhou
/// checkpoints read.
pub const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+8 is a valid offset"),
};

/// How finely a time is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// `YYYY-MM-DD HH:MM:SS`: the live clock on the code screen.
    Second,
    /// `YYYY-MM-DD HH:MM`: dates on the printed page.
    Minute,
}

/// A time in Beijing time, the one formatter every surface uses.
pub fn beijing_time(t: OffsetDateTime, precision: Precision) -> String {
    // Beyond the calendar's end the UTC reading is still better than a panic.
    let t = t.checked_to_offset(BEIJING).unwrap_or(t);
    let minutes = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    );
    match precision {
        Precision::Second => format!("{minutes}:{:02}", t.second()),
        Precision::Minute => minutes,
    }
}

/// A time as the screens show it: Beijing time, to the second.
pub fn clock_text(t: OffsetDateTime) -> String {
    beijing_time(t, Precision::Second)
}

/// The first letter in upper case ("blue code" → "Blue code").
pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Arrow, Language};

    /// Issue 15: the arrows said "previous code" in English only.
    #[test]
    fn the_arrows_are_read_in_the_language_on_screen() {
        assert_eq!(Arrow::Next.label(Language::ZhHans), "下一个码");
        assert_eq!(Arrow::Previous.label(Language::ZhHant), "上一個碼");
        assert_eq!(Arrow::Previous.label(Language::En), "previous code");
    }

    #[test]
    fn hong_kong_macao_and_taiwan_read_traditional_chinese() {
        for tag in [
            "zh-HK",
            "zh-MO",
            "zh-TW",
            "zh_TW",
            "zh-Hant",
            "zh-Hant-CN",
            "ZH-hk",
        ] {
            assert_eq!(Language::for_locale(tag), Language::ZhHant, "{tag}");
        }
        for tag in ["zh", "zh-CN", "zh-Hans-HK", "zh_SG"] {
            assert_eq!(Language::for_locale(tag), Language::ZhHans, "{tag}");
        }
        for tag in ["en-GB", "pt-MO", "", "und"] {
            assert_eq!(Language::for_locale(tag), Language::En, "{tag}");
        }
    }

    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_clock_shows_beijing_time_to_the_second() {
        assert_eq!(
            clock_text(datetime!(2026-11-28 04:05:06 UTC)),
            "2026-11-28 12:05:06"
        );
    }

    #[test]
    fn dates_print_in_beijing_time_to_the_minute() {
        let minute = |t| beijing_time(t, Precision::Minute);
        assert_eq!(minute(datetime!(2026-11-28 06:00 UTC)), "2026-11-28 14:00");
        assert_eq!(minute(datetime!(2026-12-31 16:30 UTC)), "2027-01-01 00:30");
        // The calendar's last hour: no panic.
        assert_eq!(minute(datetime!(9999-12-31 23:00 UTC)), "9999-12-31 23:00");
        assert_eq!(
            clock_text(datetime!(9999-12-31 23:00:01 UTC)),
            "9999-12-31 23:00:01"
        );
    }

    #[test]
    fn an_issuers_colour_is_opaque_on_screen() {
        assert_eq!(
            Rgba::from(Rgb([0x1E, 0x6F, 0xD9])),
            Rgba {
                r: 0x1e,
                g: 0x6f,
                b: 0xd9,
                a: 0xff
            }
        );
    }

    #[test]
    fn colour_names_are_capitalised_once() {
        assert_eq!(capitalise("blue code"), "Blue code");
        assert_eq!(capitalise(""), "");
    }
}
