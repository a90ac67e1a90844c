//! Places (DESIGN §2): administrative divisions by their GB/T 2260 code,
//! with the Chinese name and a pinyin alias the apps and the CLI offer, so a
//! declaration or an account names a place everyone agrees on. A district
//! nobody knows (`火星`, a typo) is refused: a control executed "by the
//! community of the declared district" must name a district that has one
//! (问题十).
//!
//! The table holds every county-level division of Guangdong province (广东省
//! 44xxxx: districts, county-level cities, counties) and its 21
//! prefecture-level cities (44xx00), as GB/T 2260 lists them in 2023.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One administrative division.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct District {
    /// The six-digit GB/T 2260 code.
    pub code: u32,
    pub name_zh: &'static str,
    /// Lower-case pinyin without tones; an apostrophe separates syllables
    /// where the standard spelling needs one (`yun'an` 云安区, not `yunan`
    /// 郁南县).
    pub pinyin: &'static str,
}

impl District {
    /// The code as the API writes it (`"440105"`).
    pub fn code_text(&self) -> String {
        self.code.to_string()
    }

    /// A prefecture-level city (its code ends in `00`) rather than a
    /// district or county inside one.
    pub fn is_city(&self) -> bool {
        self.code.is_multiple_of(100)
    }

    /// The English name the apps show: the pinyin capitalised, then what
    /// kind of division it is (`Haizhu District`, `Yun'an District`,
    /// `Conghua District`, `Guangzhou City`, `Yunan County`).
    pub fn name_en(&self) -> String {
        let mut chars = self.pinyin.chars();
        let place: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        let kind = match self.name_zh.chars().last() {
            Some('区') => "District",
            Some('县') => "County",
            _ => "City",
        };
        format!("{place} {kind}")
    }
}

impl fmt::Display for District {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.name_zh)
    }
}

/// Why a place was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum DistrictError {
    #[error(
        "no district has this code or name (give a GB/T 2260 code such as 440105, or a name such as 海珠区 or haizhu)"
    )]
    UnknownDistrict,
}

/// Every division this issuer knows, ordered by code.
pub const DISTRICTS: &[District] = &[
    District {
        code: 440100,
        name_zh: "广州市",
        pinyin: "guangzhou",
    },
    District {
        code: 440103,
        name_zh: "荔湾区",
        pinyin: "liwan",
    },
    District {
        code: 440104,
        name_zh: "越秀区",
        pinyin: "yuexiu",
    },
    District {
        code: 440105,
        name_zh: "海珠区",
        pinyin: "haizhu",
    },
    District {
        code: 440106,
        name_zh: "天河区",
        pinyin: "tianhe",
    },
    District {
        code: 440111,
        name_zh: "白云区",
        pinyin: "baiyun",
    },
    District {
        code: 440112,
        name_zh: "黄埔区",
        pinyin: "huangpu",
    },
    District {
        code: 440113,
        name_zh: "番禺区",
        pinyin: "panyu",
    },
    District {
        code: 440114,
        name_zh: "花都区",
        pinyin: "huadu",
    },
    District {
        code: 440115,
        name_zh: "南沙区",
        pinyin: "nansha",
    },
    District {
        code: 440117,
        name_zh: "从化区",
        pinyin: "conghua",
    },
    District {
        code: 440118,
        name_zh: "增城区",
        pinyin: "zengcheng",
    },
    District {
        code: 440200,
        name_zh: "韶关市",
        pinyin: "shaoguan",
    },
    District {
        code: 440203,
        name_zh: "武江区",
        pinyin: "wujiang",
    },
    District {
        code: 440204,
        name_zh: "浈江区",
        pinyin: "zhenjiang",
    },
    District {
        code: 440205,
        name_zh: "曲江区",
        pinyin: "qujiang",
    },
    District {
        code: 440222,
        name_zh: "始兴县",
        pinyin: "shixing",
    },
    District {
        code: 440224,
        name_zh: "仁化县",
        pinyin: "renhua",
    },
    District {
        code: 440229,
        name_zh: "翁源县",
        pinyin: "wengyuan",
    },
    District {
        code: 440232,
        name_zh: "乳源瑶族自治县",
        pinyin: "ruyuan",
    },
    District {
        code: 440233,
        name_zh: "新丰县",
        pinyin: "xinfeng",
    },
    District {
        code: 440281,
        name_zh: "乐昌市",
        pinyin: "lechang",
    },
    District {
        code: 440282,
        name_zh: "南雄市",
        pinyin: "nanxiong",
    },
    District {
        code: 440300,
        name_zh: "深圳市",
        pinyin: "shenzhen",
    },
    District {
        code: 440303,
        name_zh: "罗湖区",
        pinyin: "luohu",
    },
    District {
        code: 440304,
        name_zh: "福田区",
        pinyin: "futian",
    },
    District {
        code: 440305,
        name_zh: "南山区",
        pinyin: "nanshan",
    },
    District {
        code: 440306,
        name_zh: "宝安区",
        pinyin: "bao'an",
    },
    District {
        code: 440307,
        name_zh: "龙岗区",
        pinyin: "longgang",
    },
    District {
        code: 440308,
        name_zh: "盐田区",
        pinyin: "yantian",
    },
    District {
        code: 440309,
        name_zh: "龙华区",
        pinyin: "longhua",
    },
    District {
        code: 440310,
        name_zh: "坪山区",
        pinyin: "pingshan",
    },
    District {
        code: 440311,
        name_zh: "光明区",
        pinyin: "guangming",
    },
    District {
        code: 440400,
        name_zh: "珠海市",
        pinyin: "zhuhai",
    },
    District {
        code: 440402,
        name_zh: "香洲区",
        pinyin: "xiangzhou",
    },
    District {
        code: 440403,
        name_zh: "斗门区",
        pinyin: "doumen",
    },
    District {
        code: 440404,
        name_zh: "金湾区",
        pinyin: "jinwan",
    },
    District {
        code: 440500,
        name_zh: "汕头市",
        pinyin: "shantou",
    },
    District {
        code: 440507,
        name_zh: "龙湖区",
        pinyin: "longhu",
    },
    District {
        code: 440511,
        name_zh: "金平区",
        pinyin: "jinping",
    },
    District {
        code: 440512,
        name_zh: "濠江区",
        pinyin: "haojiang",
    },
    District {
        code: 440513,
        name_zh: "潮阳区",
        pinyin: "chaoyang",
    },
    District {
        code: 440514,
        name_zh: "潮南区",
        pinyin: "chaonan",
    },
    District {
        code: 440515,
        name_zh: "澄海区",
        pinyin: "chenghai",
    },
    District {
        code: 440523,
        name_zh: "南澳县",
        pinyin: "nan'ao",
    },
    District {
        code: 440600,
        name_zh: "佛山市",
        pinyin: "foshan",
    },
    District {
        code: 440604,
        name_zh: "禅城区",
        pinyin: "chancheng",
    },
    District {
        code: 440605,
        name_zh: "南海区",
        pinyin: "nanhai",
    },
    District {
        code: 440606,
        name_zh: "顺德区",
        pinyin: "shunde",
    },
    District {
        code: 440607,
        name_zh: "三水区",
        pinyin: "sanshui",
    },
    District {
        code: 440608,
        name_zh: "高明区",
        pinyin: "gaoming",
    },
    District {
        code: 440700,
        name_zh: "江门市",
        pinyin: "jiangmen",
    },
    District {
        code: 440703,
        name_zh: "蓬江区",
        pinyin: "pengjiang",
    },
    District {
        code: 440704,
        name_zh: "江海区",
        pinyin: "jianghai",
    },
    District {
        code: 440705,
        name_zh: "新会区",
        pinyin: "xinhui",
    },
    District {
        code: 440781,
        name_zh: "台山市",
        pinyin: "taishan",
    },
    District {
        code: 440783,
        name_zh: "开平市",
        pinyin: "kaiping",
    },
    District {
        code: 440784,
        name_zh: "鹤山市",
        pinyin: "heshan",
    },
    District {
        code: 440785,
        name_zh: "恩平市",
        pinyin: "enping",
    },
    District {
        code: 440800,
        name_zh: "湛江市",
        pinyin: "zhanjiang",
    },
    District {
        code: 440802,
        name_zh: "赤坎区",
        pinyin: "chikan",
    },
    District {
        code: 440803,
        name_zh: "霞山区",
        pinyin: "xiashan",
    },
    District {
        code: 440804,
        name_zh: "坡头区",
        pinyin: "potou",
    },
    District {
        code: 440811,
        name_zh: "麻章区",
        pinyin: "mazhang",
    },
    District {
        code: 440823,
        name_zh: "遂溪县",
        pinyin: "suixi",
    },
    District {
        code: 440825,
        name_zh: "徐闻县",
        pinyin: "xuwen",
    },
    District {
        code: 440881,
        name_zh: "廉江市",
        pinyin: "lianjiang",
    },
    District {
        code: 440882,
        name_zh: "雷州市",
        pinyin: "leizhou",
    },
    District {
        code: 440883,
        name_zh: "吴川市",
        pinyin: "wuchuan",
    },
    District {
        code: 440900,
        name_zh: "茂名市",
        pinyin: "maoming",
    },
    District {
        code: 440902,
        name_zh: "茂南区",
        pinyin: "maonan",
    },
    District {
        code: 440904,
        name_zh: "电白区",
        pinyin: "dianbai",
    },
    District {
        code: 440981,
        name_zh: "高州市",
        pinyin: "gaozhou",
    },
    District {
        code: 440982,
        name_zh: "化州市",
        pinyin: "huazhou",
    },
    District {
        code: 440983,
        name_zh: "信宜市",
        pinyin: "xinyi",
    },
    District {
        code: 441200,
        name_zh: "肇庆市",
        pinyin: "zhaoqing",
    },
    District {
        code: 441202,
        name_zh: "端州区",
        pinyin: "duanzhou",
    },
    District {
        code: 441203,
        name_zh: "鼎湖区",
        pinyin: "dinghu",
    },
    District {
        code: 441204,
        name_zh: "高要区",
        pinyin: "gaoyao",
    },
    District {
        code: 441223,
        name_zh: "广宁县",
        pinyin: "guangning",
    },
    District {
        code: 441224,
        name_zh: "怀集县",
        pinyin: "huaiji",
    },
    District {
        code: 441225,
        name_zh: "封开县",
        pinyin: "fengkai",
    },
    District {
        code: 441226,
        name_zh: "德庆县",
        pinyin: "deqing",
    },
    District {
        code: 441284,
        name_zh: "四会市",
        pinyin: "sihui",
    },
    District {
        code: 441300,
        name_zh: "惠州市",
        pinyin: "huizhou",
    },
    District {
        code: 441302,
        name_zh: "惠城区",
        pinyin: "huicheng",
    },
    District {
        code: 441303,
        name_zh: "惠阳区",
        pinyin: "huiyang",
    },
    District {
        code: 441322,
        name_zh: "博罗县",
        pinyin: "boluo",
    },
    District {
        code: 441323,
        name_zh: "惠东县",
        pinyin: "huidong",
    },
    District {
        code: 441324,
        name_zh: "龙门县",
        pinyin: "longmen",
    },
    District {
        code: 441400,
        name_zh: "梅州市",
        pinyin: "meizhou",
    },
    District {
        code: 441402,
        name_zh: "梅江区",
        pinyin: "meijiang",
    },
    District {
        code: 441403,
        name_zh: "梅县区",
        pinyin: "meixian",
    },
    District {
        code: 441422,
        name_zh: "大埔县",
        pinyin: "dabu",
    },
    District {
        code: 441423,
        name_zh: "丰顺县",
        pinyin: "fengshun",
    },
    District {
        code: 441424,
        name_zh: "五华县",
        pinyin: "wuhua",
    },
    District {
        code: 441426,
        name_zh: "平远县",
        pinyin: "pingyuan",
    },
    District {
        code: 441427,
        name_zh: "蕉岭县",
        pinyin: "jiaoling",
    },
    District {
        code: 441481,
        name_zh: "兴宁市",
        pinyin: "xingning",
    },
    District {
        code: 441500,
        name_zh: "汕尾市",
        pinyin: "shanwei",
    },
    District {
        code: 441502,
        name_zh: "城区",
        pinyin: "shanwei-chengqu",
    },
    District {
        code: 441521,
        name_zh: "海丰县",
        pinyin: "haifeng",
    },
    District {
        code: 441523,
        name_zh: "陆河县",
        pinyin: "luhe",
    },
    District {
        code: 441581,
        name_zh: "陆丰市",
        pinyin: "lufeng",
    },
    District {
        code: 441600,
        name_zh: "河源市",
        pinyin: "heyuan",
    },
    District {
        code: 441602,
        name_zh: "源城区",
        pinyin: "yuancheng",
    },
    District {
        code: 441621,
        name_zh: "紫金县",
        pinyin: "zijin",
    },
    District {
        code: 441622,
        name_zh: "龙川县",
        pinyin: "longchuan",
    },
    District {
        code: 441623,
        name_zh: "连平县",
        pinyin: "lianping",
    },
    District {
        code: 441624,
        name_zh: "和平县",
        pinyin: "heping",
    },
    District {
        code: 441625,
        name_zh: "东源县",
        pinyin: "dongyuan",
    },
    District {
        code: 441700,
        name_zh: "阳江市",
        pinyin: "yangjiang",
    },
    District {
        code: 441702,
        name_zh: "江城区",
        pinyin: "jiangcheng",
    },
    District {
        code: 441704,
        name_zh: "阳东区",
        pinyin: "yangdong",
    },
    District {
        code: 441721,
        name_zh: "阳西县",
        pinyin: "yangxi",
    },
    District {
        code: 441781,
        name_zh: "阳春市",
        pinyin: "yangchun",
    },
    District {
        code: 441800,
        name_zh: "清远市",
        pinyin: "qingyuan",
    },
    District {
        code: 441802,
        name_zh: "清城区",
        pinyin: "qingcheng",
    },
    District {
        code: 441803,
        name_zh: "清新区",
        pinyin: "qingxin",
    },
    District {
        code: 441821,
        name_zh: "佛冈县",
        pinyin: "fogang",
    },
    District {
        code: 441823,
        name_zh: "阳山县",
        pinyin: "yangshan",
    },
    District {
        code: 441825,
        name_zh: "连山壮族瑶族自治县",
        pinyin: "lianshan",
    },
    District {
        code: 441826,
        name_zh: "连南瑶族自治县",
        pinyin: "liannan",
    },
    District {
        code: 441881,
        name_zh: "英德市",
        pinyin: "yingde",
    },
    District {
        code: 441882,
        name_zh: "连州市",
        pinyin: "lianzhou",
    },
    District {
        code: 441900,
        name_zh: "东莞市",
        pinyin: "dongguan",
    },
    District {
        code: 442000,
        name_zh: "中山市",
        pinyin: "zhongshan",
    },
    District {
        code: 445100,
        name_zh: "潮州市",
        pinyin: "chaozhou",
    },
    District {
        code: 445102,
        name_zh: "湘桥区",
        pinyin: "xiangqiao",
    },
    District {
        code: 445103,
        name_zh: "潮安区",
        pinyin: "chao'an",
    },
    District {
        code: 445122,
        name_zh: "饶平县",
        pinyin: "raoping",
    },
    District {
        code: 445200,
        name_zh: "揭阳市",
        pinyin: "jieyang",
    },
    District {
        code: 445202,
        name_zh: "榕城区",
        pinyin: "rongcheng",
    },
    District {
        code: 445203,
        name_zh: "揭东区",
        pinyin: "jiedong",
    },
    District {
        code: 445222,
        name_zh: "揭西县",
        pinyin: "jiexi",
    },
    District {
        code: 445224,
        name_zh: "惠来县",
        pinyin: "huilai",
    },
    District {
        code: 445281,
        name_zh: "普宁市",
        pinyin: "puning",
    },
    District {
        code: 445300,
        name_zh: "云浮市",
        pinyin: "yunfu",
    },
    District {
        code: 445302,
        name_zh: "云城区",
        pinyin: "yuncheng",
    },
    District {
        code: 445303,
        name_zh: "云安区",
        pinyin: "yun'an",
    },
    District {
        code: 445321,
        name_zh: "新兴县",
        pinyin: "xinxing",
    },
    District {
        code: 445322,
        name_zh: "郁南县",
        pinyin: "yunan",
    },
    District {
        code: 445381,
        name_zh: "罗定市",
        pinyin: "luoding",
    },
];

/// The division with this GB/T 2260 code.
pub fn district_by_code(code: u32) -> Option<&'static District> {
    DISTRICTS
        .binary_search_by_key(&code, |d| d.code)
        .ok()
        .map(|i| &DISTRICTS[i])
}

/// Finds a division from what a person types: its six-digit code
/// (`440105`), its Chinese name with or without the 区/县/市 suffix
/// (`海珠区`, `海珠`), or its pinyin (`haizhu`, `Haizhu`; `yunan` is 郁南县
/// and `yun'an` 云安区; `baoan` finds 宝安区 since nothing else reads so).
pub fn find_district(text: &str) -> Result<&'static District, DistrictError> {
    let text = text.trim();
    if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .ok()
            .and_then(district_by_code)
            .ok_or(DistrictError::UnknownDistrict);
    }
    let lower = text.to_lowercase();
    let exact = DISTRICTS.iter().find(|d| {
        d.name_zh == text
            || d.pinyin == lower
            || (text.chars().count() >= 2
                && d.name_zh.strip_suffix(['区', '县', '市']) == Some(text))
    });
    if let Some(d) = exact {
        return Ok(d);
    }
    // Without its apostrophe, a spelling counts only if it is not ambiguous.
    let mut loose = DISTRICTS
        .iter()
        .filter(|d| d.pinyin.replace('\'', "") == lower.replace('\'', ""));
    match (loose.next(), loose.next()) {
        (Some(d), None) => Ok(d),
        _ => Err(DistrictError::UnknownDistrict),
    }
}

/// The divisions a picker offers for what has been typed so far, ordered by
/// code (Guangzhou's first): every one for nothing typed; otherwise those
/// whose code starts with the digits, whose Chinese name contains the text,
/// or whose pinyin starts with it (apostrophes and case ignored).
pub fn search_districts(text: &str) -> Vec<&'static District> {
    let text = text.trim();
    let lower = text.to_lowercase().replace('\'', "");
    DISTRICTS
        .iter()
        .filter(|d| {
            text.is_empty()
                || (text.bytes().all(|b| b.is_ascii_digit()) && d.code_text().starts_with(text))
                || d.name_zh.contains(text)
                || (!lower.is_empty() && d.pinyin.replace('\'', "").starts_with(&lower))
        })
        .collect()
}

/// The canonical code of a place given as a code or a name (what the
/// server stores and compares).
pub fn district_code(text: &str) -> Result<String, DistrictError> {
    find_district(text).map(District::code_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_ordered_unique_and_inside_guangdong() {
        assert!(DISTRICTS.windows(2).all(|w| w[0].code < w[1].code));
        for d in DISTRICTS {
            assert_eq!(d.code / 10_000, 44, "{d}");
            assert_eq!(find_district(&d.code_text()), Ok(d));
            assert_eq!(find_district(d.name_zh), Ok(d), "{d}");
            assert_eq!(find_district(d.pinyin), Ok(d), "{d}");
        }
        assert_eq!(DISTRICTS.iter().filter(|d| d.is_city()).count(), 21);
        // Guangzhou's eleven districts.
        assert_eq!(
            DISTRICTS
                .iter()
                .filter(|d| d.code / 100 == 4401 && !d.is_city())
                .count(),
            11
        );
    }

    #[test]
    fn haizhu_is_found_by_code_name_and_pinyin() {
        for text in ["440105", "海珠区", "海珠", "haizhu", " Haizhu "] {
            assert_eq!(district_code(text).as_deref(), Ok("440105"), "{text}");
        }
    }

    #[test]
    fn apostrophes_tell_apart_what_spells_alike() {
        assert_eq!(find_district("yunan").unwrap().name_zh, "郁南县");
        assert_eq!(find_district("yun'an").unwrap().name_zh, "云安区");
        assert_eq!(find_district("baoan").unwrap().name_zh, "宝安区");
    }

    #[test]
    fn a_picker_finds_haizhu_by_what_is_typed_and_nothing_for_mars() {
        for text in ["4401", "440105", "海珠", "hai", "Haizhu"] {
            let found: Vec<u32> = search_districts(text).iter().map(|d| d.code).collect();
            assert!(found.contains(&440105), "{text}: {found:?}");
        }
        assert_eq!(search_districts("440105").len(), 1);
        assert_eq!(search_districts("").len(), DISTRICTS.len());
        assert!(search_districts("火星").is_empty());
        assert!(search_districts("mars").is_empty());
        // Typed without the apostrophe, both read so: the picker offers both.
        let yunan: Vec<&str> = search_districts("yunan")
            .iter()
            .map(|d| d.name_zh)
            .collect();
        assert_eq!(yunan, ["云安区", "郁南县"]);
    }

    #[test]
    fn english_names_say_what_kind_of_division_it_is() {
        let name = |code| district_by_code(code).unwrap().name_en();
        assert_eq!(name(440105), "Haizhu District");
        assert_eq!(name(440100), "Guangzhou City");
        assert_eq!(name(445322), "Yunan County");
        assert_eq!(name(445381), "Luoding City");
    }

    /// Issue 11, finding 3: a district nobody can act for is refused.
    #[test]
    fn places_no_one_knows_are_refused() {
        for text in ["火星", "mars", "440199", "110105", "", "4401050", "区"] {
            assert_eq!(
                find_district(text),
                Err(DistrictError::UnknownDistrict),
                "{text:?}"
            );
        }
    }
}
