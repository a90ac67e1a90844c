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
}
