//! The apps' own words — screen titles, field labels, buttons, hints — in
//! each language the core speaks (issue 15: all texts come from the core;
//! Kotlin and Swift only draw them). One place: a phone screen, its test
//! and the other platform's screen read the same text.
//!
//! The words of the domain (colours, control reasons, document kinds,
//! relationships, symptoms, banners) live with their types; these are the
//! words around them.

use crate::display::Language;

/// A text of the apps' screens. [`UiText::text`] gives it in a language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UiText {
    // Sign-in (实名认证, 人脸识别).
    SignInTitle,
    Name,
    Document,
    DocumentNumber,
    SignInWithFaceCheck,
    FaceCheckTitle,
    FaceCheckInstructions,
    Start,
    Cancel,
    // What went wrong, by kind.
    CheckNameAndNumber,
    UnknownDistrictPickFromList,
    FaceCheckFailedTryAgain,
    TooManyAttemptsWait,
    SignInAgain,
    NoNetwork,
    Refused,
    // The code screen.
    NoCodeYet,
    ApplyForOwnCode,
    ApplyForDependent,
    Print,
    Share,
    Remove,
    HealthDeclaration,
    Dependents,
    JoinRequests,
    PrintedCodeTitle,
    // The proxy application (代申领, 问题二).
    ApplyingAs,
    LiveTogether,
    DeviceReasonQuestion,
    DeviceReasonNotNeeded,
    DeviceReasonOther,
    DeviceReasonInOwnWords,
    ResidenceDistrict,
    SubmitApplication,
    Sending,
    Back,
    // The health declaration (健康申报).
    Symptoms,
    ArrivedFromKeyArea,
    KeyArea,
    ArrivedOn,
    DistrictArrivedIn,
    SubmitDeclaration,
    // The guardian's lists.
    NoDependentsYet,
    ConfirmRemove,
    Removed,
    SavedSentWhenOnline,
    NoJoinRequests,
    LivesWithDependent,
    Approve,
    Decline,
    Approved,
    Declined,
    Loading,
    Refresh,
}

impl UiText {
    /// Every text, for the tests that check each one in each language.
    pub const ALL: [UiText; 54] = [
        UiText::SignInTitle,
        UiText::Name,
        UiText::Document,
        UiText::DocumentNumber,
        UiText::SignInWithFaceCheck,
        UiText::FaceCheckTitle,
        UiText::FaceCheckInstructions,
        UiText::Start,
        UiText::Cancel,
        UiText::CheckNameAndNumber,
        UiText::UnknownDistrictPickFromList,
        UiText::FaceCheckFailedTryAgain,
        UiText::TooManyAttemptsWait,
        UiText::SignInAgain,
        UiText::NoNetwork,
        UiText::Refused,
        UiText::NoCodeYet,
        UiText::ApplyForOwnCode,
        UiText::ApplyForDependent,
        UiText::Print,
        UiText::Share,
        UiText::Remove,
        UiText::HealthDeclaration,
        UiText::Dependents,
        UiText::JoinRequests,
        UiText::PrintedCodeTitle,
        UiText::ApplyingAs,
        UiText::LiveTogether,
        UiText::DeviceReasonQuestion,
        UiText::DeviceReasonNotNeeded,
        UiText::DeviceReasonOther,
        UiText::DeviceReasonInOwnWords,
        UiText::ResidenceDistrict,
        UiText::SubmitApplication,
        UiText::Sending,
        UiText::Back,
        UiText::Symptoms,
        UiText::ArrivedFromKeyArea,
        UiText::KeyArea,
        UiText::ArrivedOn,
        UiText::DistrictArrivedIn,
        UiText::SubmitDeclaration,
        UiText::NoDependentsYet,
        UiText::ConfirmRemove,
        UiText::Removed,
        UiText::SavedSentWhenOnline,
        UiText::NoJoinRequests,
        UiText::LivesWithDependent,
        UiText::Approve,
        UiText::Decline,
        UiText::Approved,
        UiText::Declined,
        UiText::Loading,
        UiText::Refresh,
    ];

    /// The text in a language: Simplified Chinese, Traditional Chinese (Hong
    /// Kong, Macao and Taiwan visitors, the seed's 来穗人员) or English.
    pub fn text(self, language: Language) -> &'static str {
        let [zh_hans, zh_hant, en] = self.texts();
        match language {
            Language::ZhHans => zh_hans,
            Language::ZhHant => zh_hant,
            Language::En => en,
        }
    }

    /// zh-CN, zh-Hant, en.
    fn texts(self) -> [&'static str; 3] {
        use UiText::*;
        match self {
            SignInTitle => [
                "穗康码 · 实名认证",
                "穗康碼 · 實名認證",
                "Suikang code · real-name sign-in",
            ],
            Name => ["姓名", "姓名", "Name"],
            Document => ["证件", "證件", "Document"],
            DocumentNumber => ["证件号码", "證件號碼", "Document number"],
            SignInWithFaceCheck => ["人脸识别登录", "人臉識別登入", "Sign in with a face check"],
            FaceCheckTitle => ["人脸识别", "人臉識別", "Face check"],
            FaceCheckInstructions => [
                "请按提示完成动作：",
                "請按提示完成動作：",
                "Follow the prompts: ",
            ],
            Start => ["开始", "開始", "Start"],
            Cancel => ["取消", "取消", "Cancel"],
            CheckNameAndNumber => [
                "请检查姓名和证件号码",
                "請檢查姓名和證件號碼",
                "Check the name and the document number",
            ],
            UnknownDistrictPickFromList => [
                "没有这个区，请从列表中选择",
                "沒有這個區，請從列表中選擇",
                "No such district: pick one from the list",
            ],
            FaceCheckFailedTryAgain => [
                "人脸识别未通过，请重试",
                "人臉識別未通過，請重試",
                "The face check did not pass: try again",
            ],
            TooManyAttemptsWait => [
                "失败次数过多，请稍后再试",
                "失敗次數過多，請稍後再試",
                "Too many attempts: try again later",
            ],
            SignInAgain => ["请重新登录", "請重新登入", "Sign in again"],
            NoNetwork => ["网络不可用", "網絡不可用", "No network"],
            Refused => ["未获受理", "未獲受理", "Refused"],
            NoCodeYet => ["还没有穗康码", "還沒有穗康碼", "No code yet"],
            ApplyForOwnCode => ["申领穗康码", "申領穗康碼", "Apply for my code"],
            ApplyForDependent => ["代申领", "代申領", "Apply for a dependent"],
            Print => ["打印", "列印", "Print"],
            Share => ["分享", "分享", "Share"],
            Remove => ["移除", "移除", "Remove"],
            HealthDeclaration => ["健康申报", "健康申報", "Health declaration"],
            Dependents => ["被代领人", "被代領人", "Dependents"],
            JoinRequests => ["加入申请", "加入申請", "Join requests"],
            PrintedCodeTitle => ["穗康码 打印版", "穗康碼 列印版", "Suikang code, printed"],
            ApplyingAs => ["申领人", "申領人", "Applying as"],
            LiveTogether => ["共同居住", "共同居住", "We live together"],
            DeviceReasonQuestion => [
                "无法使用智能手机的原因（18–59 岁需填）",
                "無法使用智能手機的原因（18–59 歲需填）",
                "Why they cannot use a smartphone (aged 18–59)",
            ],
            DeviceReasonNotNeeded => [
                "不需要（老人、儿童）",
                "不需要（長者、兒童）",
                "Not needed (an elder or a child)",
            ],
            DeviceReasonOther => ["其他", "其他", "Other"],
            DeviceReasonInOwnWords => ["原因", "原因", "Reason"],
            ResidenceDistrict => ["所在区", "所在區", "District they live in"],
            SubmitApplication => ["提交", "提交", "Apply"],
            Sending => ["提交中…", "提交中…", "Sending…"],
            Back => ["返回", "返回", "Back"],
            Symptoms => ["症状", "症狀", "Symptoms"],
            ArrivedFromKeyArea => [
                "近期从重点疫区抵穗",
                "近期從重點疫區抵穗",
                "Arrived from a key epidemic area",
            ],
            KeyArea => ["疫区", "疫區", "Area"],
            ArrivedOn => [
                "抵穗日期（YYYY-MM-DD）",
                "抵穗日期（YYYY-MM-DD）",
                "Arrived on (YYYY-MM-DD)",
            ],
            DistrictArrivedIn => ["抵达的区", "抵達的區", "District arrived in"],
            SubmitDeclaration => ["提交申报", "提交申報", "Declare"],
            NoDependentsYet => [
                "还没有代领的穗康码",
                "還沒有代領的穗康碼",
                "No dependents yet",
            ],
            ConfirmRemove => ["确定移除", "確定移除", "Yes, remove"],
            Removed => ["已移除", "已移除", "Removed"],
            SavedSentWhenOnline => [
                "已保存，联网后提交",
                "已保存，連網後提交",
                "Saved: sent when back online",
            ],
            NoJoinRequests => [
                "没有待处理的申请",
                "沒有待處理的申請",
                "No requests waiting",
            ],
            LivesWithDependent => ["共同居住", "共同居住", "lives with them"],
            Approve => ["同意", "同意", "Approve"],
            Decline => ["拒绝", "拒絕", "Decline"],
            Approved => ["已同意", "已同意", "Approved"],
            Declined => ["已拒绝", "已拒絕", "Declined"],
            Loading => ["加载中…", "載入中…", "Loading…"],
            Refresh => ["刷新", "重新整理", "Refresh"],
        }
    }
}

/// The question before a guardian stops holding a dependent's code, with
/// the dependent's masked name (张*明: never the full name).
pub fn remove_dependent_question(masked_name: &str, language: Language) -> String {
    match language {
        Language::ZhHans => format!("确定不再代领{masked_name}的穗康码？"),
        Language::ZhHant => format!("確定不再代領{masked_name}的穗康碼？"),
        Language::En => format!("Stop holding {masked_name}'s code?"),
    }
}

/// A language's own name, for the switch between them (the same in every
/// language: each person finds their own).
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::ZhHans => "简体",
        Language::ZhHant => "繁體",
        Language::En => "EN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Characters written differently in Traditional Chinese, as they occur
    /// in these texts: none may stand on a zh-Hant screen.
    const SIMPLIFIED_ONLY: &str =
        "码领证号识别录请开认败数过获还报状从点区达这择选检载处绝时网络联儿岁们";

    #[test]
    fn every_text_reads_in_every_language() {
        for text in UiText::ALL {
            for language in [Language::ZhHans, Language::ZhHant, Language::En] {
                assert!(
                    !text.text(language).trim().is_empty(),
                    "{text:?} {language:?}"
                );
            }
            let english = text.text(Language::En);
            assert!(
                !english
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{text:?} in English: {english}"
            );
        }
    }

    #[test]
    fn traditional_chinese_is_written_in_traditional_characters() {
        for text in UiText::ALL {
            let (hans, hant) = (text.text(Language::ZhHans), text.text(Language::ZhHant));
            assert!(
                !hant.chars().any(|c| SIMPLIFIED_ONLY.contains(c)),
                "{text:?}: {hant}"
            );
            if hans.chars().any(|c| SIMPLIFIED_ONLY.contains(c)) {
                assert_ne!(hans, hant, "{text:?}");
            }
        }
        let question = remove_dependent_question("李*英", Language::ZhHant);
        assert!(!question.chars().any(|c| SIMPLIFIED_ONLY.contains(c)));
    }

    /// `ALL` lists each variant once, in order: the last variant's number
    /// is the count less one, so a new text not added to `ALL` fails here.
    #[test]
    fn all_lists_every_text_once() {
        for (i, text) in UiText::ALL.into_iter().enumerate() {
            assert_eq!(text as usize, i, "{text:?}");
        }
        assert_eq!(UiText::Refresh as usize + 1, UiText::ALL.len());
    }
}
