use serde::{Deserialize, Serialize};
use time::Date;

use crate::document::age_on;

/// Who may apply for a code on someone's behalf (问题二): a co-resident adult
/// relative, the residents' or village committee, or the property management
/// company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// 共同居住的成年亲属
    AdultRelative,
    /// 居委会
    ResidentsCommittee,
    /// 村委会
    VillageCommittee,
    /// 物业服务企业
    PropertyManagement,
}

impl Relationship {
    /// Whether the guardian is an organisation rather than a person.
    pub fn is_institution(self) -> bool {
        self != Relationship::AdultRelative
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Relationship::AdultRelative => "共同居住的成年亲属",
            Relationship::ResidentsCommittee => "居委会",
            Relationship::VillageCommittee => "村委会",
            Relationship::PropertyManagement => "物业服务企业",
        }
    }

    /// Traditional Chinese (Hong Kong, Macao, Taiwan visitors: 来穗人员).
    pub fn label_zh_hant(self) -> &'static str {
        match self {
            Relationship::AdultRelative => "共同居住的成年親屬",
            Relationship::ResidentsCommittee => "居委會",
            Relationship::VillageCommittee => "村委會",
            Relationship::PropertyManagement => "物業服務企業",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Relationship::AdultRelative => "co-resident adult relative",
            Relationship::ResidentsCommittee => "residents' committee",
            Relationship::VillageCommittee => "village committee",
            Relationship::PropertyManagement => "property management company",
        }
    }
}

/// Age from which a relative may apply on someone's behalf.
pub const ADULT_AGE: u32 = 18;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    #[error("a relative applying on someone's behalf must be at least 18; this one is {age}")]
    GuardianUnderAge { age: u32 },
    #[error("the relative's document carries no birth date, so being an adult cannot be checked")]
    GuardianAgeUnknown,
    #[error("a relative applying on someone's behalf must declare that they live together")]
    CoResidenceNotDeclared,
}

/// Whether a relative may apply for someone (问题二): an adult (≥ 18 on
/// `today` by the birth date their document proves) who declares living
/// with them. Institutions are checked by their account, not here.
pub fn check_proxy_guardian(
    relationship: Relationship,
    guardian_birth_date: Option<Date>,
    co_resident_declared: bool,
    today: Date,
) -> Result<(), ProxyError> {
    if relationship.is_institution() {
        return Ok(());
    }
    let birth = guardian_birth_date.ok_or(ProxyError::GuardianAgeUnknown)?;
    let age = age_on(birth, today);
    if age < ADULT_AGE {
        return Err(ProxyError::GuardianUnderAge { age });
    }
    if !co_resident_declared {
        return Err(ProxyError::CoResidenceNotDeclared);
    }
    Ok(())
}

/// Ages at which someone counts as old (老人) or as a child (儿童) for proxy
/// application (问题二): 60 and over, under 18.
pub const ELDER_AGE: u32 = 60;

/// Longest "other" reason text, in characters.
pub const MAX_REASON_TEXT_CHARS: usize = 60;

/// Why a dependent of working age cannot use a smart device (问题二: 其他无法
/// 使用智能终端设备的人员). Recorded with the guardianship and audited.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeviceReason {
    /// 视力障碍
    VisualImpairment,
    /// 智力或认知障碍
    CognitiveImpairment,
    /// 肢体残疾, unable to handle a phone.
    PhysicalDisability,
    /// 重病或住院
    SeriousIllness,
    /// 没有智能手机
    NoSmartphone,
    /// Anything else, said in a short text (1–60 characters).
    Other {
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 60))]
        text: String,
    },
}

impl DeviceReason {
    pub fn label_zh(&self) -> &str {
        match self {
            DeviceReason::VisualImpairment => "视力障碍",
            DeviceReason::CognitiveImpairment => "智力或认知障碍",
            DeviceReason::PhysicalDisability => "肢体残疾",
            DeviceReason::SeriousIllness => "重病或住院",
            DeviceReason::NoSmartphone => "没有智能手机",
            DeviceReason::Other { text } => text,
        }
    }

    /// The reasons a form offers before "other" (问题二), in this order.
    pub fn standard() -> [DeviceReason; 5] {
        [
            DeviceReason::VisualImpairment,
            DeviceReason::CognitiveImpairment,
            DeviceReason::PhysicalDisability,
            DeviceReason::SeriousIllness,
            DeviceReason::NoSmartphone,
        ]
    }

    /// English; a reason in the guardian's own words stays as written.
    pub fn label_en(&self) -> &str {
        match self {
            DeviceReason::VisualImpairment => "visual impairment",
            DeviceReason::CognitiveImpairment => "intellectual or cognitive impairment",
            DeviceReason::PhysicalDisability => "physical disability",
            DeviceReason::SeriousIllness => "serious illness or in hospital",
            DeviceReason::NoSmartphone => "no smartphone",
            DeviceReason::Other { text } => text,
        }
    }

    /// Traditional Chinese; a reason in the guardian's own words stays as written.
    pub fn label_zh_hant(&self) -> &str {
        match self {
            DeviceReason::VisualImpairment => "視力障礙",
            DeviceReason::CognitiveImpairment => "智力或認知障礙",
            DeviceReason::PhysicalDisability => "肢體殘疾",
            DeviceReason::SeriousIllness => "重病或住院",
            DeviceReason::NoSmartphone => "沒有智能手機",
            DeviceReason::Other { text } => text,
        }
    }
}

/// Why a dependent may not be proxied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityError {
    /// Aged 18 to 59 and no reason given: they apply for themself (问题二).
    #[error(
        "a person aged {age} applies for their own code unless a reason they cannot use a smart device is stated"
    )]
    NoReasonStated { age: u32 },
    #[error(
        "the stated reason's text must be 1 to 60 characters without control or invisible characters"
    )]
    ReasonTextInvalid,
}

/// Why a proxy application is eligible, as recorded and audited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Eligibility {
    /// 60 or older.
    Elder { age: u32 },
    /// Under 18.
    Child { age: u32 },
    /// Any age, with a stated reason.
    Stated(DeviceReason),
}

/// Whether someone may have a code applied for on their behalf (问题二:
/// 老人、儿童及其他无法使用智能终端设备的人员): aged ≥ 60 or < 18 on `today`
/// by the birth date the identity check gives, or any age with a stated
/// reason. A stated reason is kept even for an elder or a child, since it
/// tells the authority more.
pub fn check_dependent_eligible(
    birth_date: Date,
    reason: Option<&DeviceReason>,
    today: Date,
) -> Result<Eligibility, EligibilityError> {
    if let Some(DeviceReason::Other { text }) = reason {
        let n = text.trim().chars().count();
        let clean = !text
            .chars()
            .any(|c| c.is_control() || crate::document::is_format_character(c));
        if n == 0 || n > MAX_REASON_TEXT_CHARS || !clean {
            return Err(EligibilityError::ReasonTextInvalid);
        }
    }
    let age = age_on(birth_date, today);
    match reason {
        Some(reason) => Ok(Eligibility::Stated(reason.clone())),
        None if age >= ELDER_AGE => Ok(Eligibility::Elder { age }),
        None if age < ADULT_AGE => Ok(Eligibility::Child { age }),
        None => Err(EligibilityError::NoReasonStated { age }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn an_adult_relative_living_together_may_apply() {
        let birth = Some(date!(2008 - 11 - 28));
        assert_eq!(
            check_proxy_guardian(Relationship::AdultRelative, birth, true, TODAY),
            Ok(())
        );
    }

    #[test]
    fn a_relative_one_day_short_of_eighteen_may_not() {
        let birth = Some(date!(2008 - 11 - 29));
        assert_eq!(
            check_proxy_guardian(Relationship::AdultRelative, birth, true, TODAY),
            Err(ProxyError::GuardianUnderAge { age: 17 })
        );
    }

    #[test]
    fn a_relative_must_declare_co_residence_and_prove_their_age() {
        let birth = Some(date!(1980 - 01 - 01));
        assert_eq!(
            check_proxy_guardian(Relationship::AdultRelative, birth, false, TODAY),
            Err(ProxyError::CoResidenceNotDeclared)
        );
        assert_eq!(
            check_proxy_guardian(Relationship::AdultRelative, None, true, TODAY),
            Err(ProxyError::GuardianAgeUnknown)
        );
    }

    #[test]
    fn committees_and_property_management_apply_as_institutions() {
        for r in [
            Relationship::ResidentsCommittee,
            Relationship::VillageCommittee,
            Relationship::PropertyManagement,
        ] {
            assert!(r.is_institution());
            assert_eq!(check_proxy_guardian(r, None, false, TODAY), Ok(()));
        }
    }

    /// Issue 11, finding 6: an adult of 41 is not proxied without a reason.
    #[test]
    fn only_elders_children_and_people_with_a_stated_reason_are_proxied() {
        fn eligible(
            birth: Date,
            reason: Option<&DeviceReason>,
        ) -> Result<Eligibility, EligibilityError> {
            check_dependent_eligible(birth, reason, TODAY)
        }
        assert_eq!(
            eligible(date!(1966 - 11 - 28), None),
            Ok(Eligibility::Elder { age: 60 })
        );
        assert_eq!(
            eligible(date!(1966 - 11 - 29), None),
            Err(EligibilityError::NoReasonStated { age: 59 })
        );
        assert_eq!(
            eligible(date!(2008 - 11 - 29), None),
            Ok(Eligibility::Child { age: 17 })
        );
        assert_eq!(
            eligible(date!(1985 - 03 - 01), None),
            Err(EligibilityError::NoReasonStated { age: 41 })
        );
        assert_eq!(
            eligible(date!(1985 - 03 - 01), Some(&DeviceReason::VisualImpairment)),
            Ok(Eligibility::Stated(DeviceReason::VisualImpairment))
        );
        let other = |text: &str| DeviceReason::Other { text: text.into() };
        assert!(eligible(date!(1985 - 03 - 01), Some(&other("长期卧床"))).is_ok());
        let long = "长".repeat(61);
        for bad in ["", "  ", "\u{202E}x", &long] {
            assert_eq!(
                eligible(date!(1985 - 03 - 01), Some(&other(bad))),
                Err(EligibilityError::ReasonTextInvalid),
                "{bad:?}"
            );
        }
    }
}
