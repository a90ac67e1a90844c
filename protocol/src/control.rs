use serde::{Deserialize, Serialize};

/// Why a person is under epidemic-control management (问题三). The
/// discriminant is the bit of the reason in [`ControlReasons`] and on the
/// wire: never renumber.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum ControlReason {
    HomeIsolation = 0,
    CentralisedIsolation = 1,
    CloseContact = 2,
    SuspectedCase = 3,
    ConfirmedCase = 4,
    NucleicAcidPositive = 5,
    ArrivalFromKeyArea = 6,
}

impl ControlReason {
    pub const ALL: [ControlReason; 7] = [
        ControlReason::HomeIsolation,
        ControlReason::CentralisedIsolation,
        ControlReason::CloseContact,
        ControlReason::SuspectedCase,
        ControlReason::ConfirmedCase,
        ControlReason::NucleicAcidPositive,
        ControlReason::ArrivalFromKeyArea,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            ControlReason::HomeIsolation => "居家隔离",
            ControlReason::CentralisedIsolation => "集中隔离",
            ControlReason::CloseContact => "密切接触者",
            ControlReason::SuspectedCase => "疑似病例",
            ControlReason::ConfirmedCase => "确诊病例",
            ControlReason::NucleicAcidPositive => "核酸阳性",
            ControlReason::ArrivalFromKeyArea => "重点疫区抵穗人员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ControlReason::HomeIsolation => "home isolation",
            ControlReason::CentralisedIsolation => "centralised isolation",
            ControlReason::CloseContact => "close contact",
            ControlReason::SuspectedCase => "suspected case",
            ControlReason::ConfirmedCase => "confirmed case",
            ControlReason::NucleicAcidPositive => "nucleic-acid positive",
            ControlReason::ArrivalFromKeyArea => "arrival from a key epidemic area",
        }
    }
}

/// A set of active control reasons, one bit each (bit 7 is never set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ControlReasons(u8);

impl ControlReasons {
    pub const EMPTY: ControlReasons = ControlReasons(0);
    const MASK: u8 = 0x7f;

    /// The set from its wire byte; `None` if a bit no reason owns is set.
    pub fn from_bits(bits: u8) -> Option<ControlReasons> {
        (bits & !Self::MASK == 0).then_some(ControlReasons(bits))
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, reason: ControlReason) -> bool {
        self.0 & (1 << reason as u8) != 0
    }

    #[must_use]
    pub fn with(self, reason: ControlReason) -> ControlReasons {
        ControlReasons(self.0 | 1 << reason as u8)
    }

    #[must_use]
    pub fn without(self, reason: ControlReason) -> ControlReasons {
        ControlReasons(self.0 & !(1 << reason as u8))
    }

    /// The reasons in wire order.
    pub fn iter(self) -> impl Iterator<Item = ControlReason> {
        ControlReason::ALL
            .into_iter()
            .filter(move |r| self.contains(*r))
    }
}

impl FromIterator<ControlReason> for ControlReasons {
    fn from_iter<I: IntoIterator<Item = ControlReason>>(iter: I) -> Self {
        iter.into_iter()
            .fold(ControlReasons::EMPTY, ControlReasons::with)
    }
}

/// The kind of organisation an authority account belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorityRole {
    /// A district government (区).
    District,
    /// A centre for disease control (疾控中心).
    Cdc,
    /// A medical institution (医疗机构).
    MedicalInstitution,
    /// A community or unit named by the district's guidance (社区).
    Community,
}

/// An authority acting on a control: its role, its organisation and the
/// district it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Authority {
    pub role: AuthorityRole,
    pub organisation: String,
    pub district: String,
}

/// Who put a control in place.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Executor {
    /// An authority imposed it and so executes it.
    Authority(Authority),
    /// The holder's health declaration of arrival from a key area imposed it
    /// automatically (DESIGN §2).
    HealthDeclaration,
}

/// One active control on a person: the reason, who executes it, and the
/// district it is managed in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Control {
    pub reason: ControlReason,
    pub executor: Executor,
    pub district: String,
}

impl Control {
    /// The control an authority puts in place after [`may_impose`] allowed it:
    /// it executes the control, in its own district.
    pub fn imposed_by(authority: &Authority, reason: ControlReason) -> Control {
        Control {
            reason,
            executor: Executor::Authority(authority.clone()),
            district: authority.district.clone(),
        }
    }

    /// The control a declared arrival from a key epidemic area imposes on its
    /// own; the community of the holder's district releases it.
    pub fn from_declaration(district: impl Into<String>) -> Control {
        Control {
            reason: ControlReason::ArrivalFromKeyArea,
            executor: Executor::HealthDeclaration,
            district: district.into(),
        }
    }

    fn executed_by(&self, actor: &Authority) -> bool {
        matches!(&self.executor, Executor::Authority(executor)
            if executor.role == actor.role && executor.organisation == actor.organisation)
    }
}

/// Why an authority may not impose or release a control.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RightsError {
    #[error("a {role:?} authority does not manage {reason:?} and may not impose it")]
    MayNotImpose {
        role: AuthorityRole,
        reason: ControlReason,
    },
    #[error("a {role:?} authority may not release {reason:?}")]
    MayNotRelease {
        role: AuthorityRole,
        reason: ControlReason,
    },
    #[error("only the organisation that executed the {reason:?} control may release it")]
    NotTheExecutingOrganisation { reason: ControlReason },
    #[error("only a community of the control's own district may release {reason:?}")]
    OutsideDistrict { reason: ControlReason },
}

/// Whether `actor` may put a person under `reason` (DESIGN §2: the authority
/// that manages a measure is the one that imposes it, 问题十).
pub fn may_impose(actor: &Authority, reason: ControlReason) -> Result<(), RightsError> {
    use AuthorityRole::*;
    use ControlReason::*;
    let allowed = match reason {
        HomeIsolation => matches!(actor.role, District | MedicalInstitution),
        CentralisedIsolation => matches!(actor.role, District | Cdc | MedicalInstitution),
        CloseContact => actor.role == Cdc,
        SuspectedCase | ConfirmedCase | NucleicAcidPositive => actor.role == MedicalInstitution,
        ArrivalFromKeyArea => actor.role == Community,
    };
    if allowed {
        Ok(())
    } else {
        Err(RightsError::MayNotImpose {
            role: actor.role,
            reason,
        })
    }
}

/// Whether `actor` may lift `control` (问题十):
///
/// | reason | released by |
/// |---|---|
/// | home isolation | the district that executed it, or a medical institution |
/// | centralised isolation | the district that executed it, the CDC, or a medical institution |
/// | close contact | the CDC that executed it |
/// | suspected / confirmed / nucleic-acid positive | a medical institution |
/// | arrival from a key epidemic area | a community of the control's district |
pub fn may_release(actor: &Authority, control: &Control) -> Result<(), RightsError> {
    use AuthorityRole::*;
    use ControlReason::*;
    let reason = control.reason;
    let must_have_executed = || {
        if control.executed_by(actor) {
            Ok(())
        } else {
            Err(RightsError::NotTheExecutingOrganisation { reason })
        }
    };
    match (reason, actor.role) {
        (HomeIsolation | CentralisedIsolation, District) => must_have_executed(),
        (HomeIsolation | CentralisedIsolation, MedicalInstitution) => Ok(()),
        (CentralisedIsolation, Cdc) => Ok(()),
        (CloseContact, Cdc) => must_have_executed(),
        (SuspectedCase | ConfirmedCase | NucleicAcidPositive, MedicalInstitution) => Ok(()),
        (ArrivalFromKeyArea, Community) if actor.district == control.district => Ok(()),
        (ArrivalFromKeyArea, Community) => Err(RightsError::OutsideDistrict { reason }),
        _ => Err(RightsError::MayNotRelease {
            role: actor.role,
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AuthorityRole::*;
    use ControlReason::*;

    fn authority(role: AuthorityRole, organisation: &str, district: &str) -> Authority {
        Authority {
            role,
            organisation: organisation.into(),
            district: district.into(),
        }
    }

    fn yuexiu_district() -> Authority {
        authority(District, "yuexiu-district", "440104")
    }
    fn haizhu_district() -> Authority {
        authority(District, "haizhu-district", "440105")
    }
    fn city_cdc() -> Authority {
        authority(Cdc, "guangzhou-cdc", "440100")
    }
    fn other_cdc() -> Authority {
        authority(Cdc, "shenzhen-cdc", "440300")
    }
    fn hospital() -> Authority {
        authority(MedicalInstitution, "eighth-peoples-hospital", "440111")
    }
    fn yuexiu_community() -> Authority {
        authority(Community, "beijing-street-community", "440104")
    }
    fn haizhu_community() -> Authority {
        authority(Community, "binjiang-street-community", "440105")
    }
    fn everyone() -> [Authority; 7] {
        [
            yuexiu_district(),
            haizhu_district(),
            city_cdc(),
            other_cdc(),
            hospital(),
            yuexiu_community(),
            haizhu_community(),
        ]
    }

    /// The roles the table lets impose each reason, checked for every role.
    #[test]
    fn each_reason_is_imposed_only_by_the_authority_that_manages_it() {
        let imposers: [(ControlReason, &[AuthorityRole]); 7] = [
            (HomeIsolation, &[District, MedicalInstitution]),
            (CentralisedIsolation, &[District, Cdc, MedicalInstitution]),
            (CloseContact, &[Cdc]),
            (SuspectedCase, &[MedicalInstitution]),
            (ConfirmedCase, &[MedicalInstitution]),
            (NucleicAcidPositive, &[MedicalInstitution]),
            (ArrivalFromKeyArea, &[Community]),
        ];
        for (reason, roles) in imposers {
            for role in [District, Cdc, MedicalInstitution, Community] {
                let result = may_impose(&authority(role, "org", "440104"), reason);
                if roles.contains(&role) {
                    assert_eq!(result, Ok(()), "{role:?} imposing {reason:?}");
                } else {
                    assert_eq!(
                        result,
                        Err(RightsError::MayNotImpose { role, reason }),
                        "{role:?} imposing {reason:?}"
                    );
                }
            }
        }
    }

    fn released_by(control: &Control) -> Vec<String> {
        everyone()
            .iter()
            .filter(|a| may_release(a, control).is_ok())
            .map(|a| a.organisation.clone())
            .collect()
    }

    #[test]
    fn home_isolation_is_released_by_the_executing_district_or_a_medical_institution() {
        let control = Control::imposed_by(&yuexiu_district(), HomeIsolation);
        assert_eq!(
            released_by(&control),
            ["yuexiu-district", "eighth-peoples-hospital"]
        );
        assert_eq!(
            may_release(&haizhu_district(), &control),
            Err(RightsError::NotTheExecutingOrganisation {
                reason: HomeIsolation
            })
        );
        assert_eq!(
            may_release(&city_cdc(), &control),
            Err(RightsError::MayNotRelease {
                role: Cdc,
                reason: HomeIsolation
            })
        );
    }

    #[test]
    fn home_isolation_imposed_by_a_hospital_is_not_released_by_any_district() {
        let control = Control::imposed_by(&hospital(), HomeIsolation);
        assert_eq!(released_by(&control), ["eighth-peoples-hospital"]);
    }

    #[test]
    fn centralised_isolation_is_released_by_the_executing_district_a_cdc_or_a_medical_institution()
    {
        let control = Control::imposed_by(&yuexiu_district(), CentralisedIsolation);
        assert_eq!(
            released_by(&control),
            [
                "yuexiu-district",
                "guangzhou-cdc",
                "shenzhen-cdc",
                "eighth-peoples-hospital"
            ]
        );
        assert_eq!(
            may_release(&haizhu_district(), &control),
            Err(RightsError::NotTheExecutingOrganisation {
                reason: CentralisedIsolation
            })
        );
        assert_eq!(
            may_release(&yuexiu_community(), &control),
            Err(RightsError::MayNotRelease {
                role: Community,
                reason: CentralisedIsolation
            })
        );
    }

    #[test]
    fn close_contact_is_released_only_by_the_cdc_that_executed_it() {
        let control = Control::imposed_by(&city_cdc(), CloseContact);
        assert_eq!(released_by(&control), ["guangzhou-cdc"]);
        assert_eq!(
            may_release(&other_cdc(), &control),
            Err(RightsError::NotTheExecutingOrganisation {
                reason: CloseContact
            })
        );
        assert_eq!(
            may_release(&yuexiu_district(), &control),
            Err(RightsError::MayNotRelease {
                role: District,
                reason: CloseContact
            })
        );
        assert_eq!(
            may_release(&hospital(), &control),
            Err(RightsError::MayNotRelease {
                role: MedicalInstitution,
                reason: CloseContact
            })
        );
    }

    #[test]
    fn a_cdc_with_the_same_name_in_another_role_is_not_the_executor() {
        let control = Control::imposed_by(&city_cdc(), CloseContact);
        let impostor = authority(District, "guangzhou-cdc", "440100");
        assert!(may_release(&impostor, &control).is_err());
    }

    #[test]
    fn cases_and_positives_are_released_only_by_a_medical_institution() {
        for reason in [SuspectedCase, ConfirmedCase, NucleicAcidPositive] {
            let control = Control::imposed_by(&hospital(), reason);
            assert_eq!(
                released_by(&control),
                ["eighth-peoples-hospital"],
                "{reason:?}"
            );
            let other_hospital = authority(MedicalInstitution, "first-affiliated", "440104");
            assert_eq!(may_release(&other_hospital, &control), Ok(()), "{reason:?}");
            assert_eq!(
                may_release(&city_cdc(), &control),
                Err(RightsError::MayNotRelease { role: Cdc, reason })
            );
        }
    }

    #[test]
    fn arrival_from_a_key_area_is_released_by_a_community_of_its_district() {
        let control = Control::imposed_by(&yuexiu_community(), ArrivalFromKeyArea);
        assert_eq!(released_by(&control), ["beijing-street-community"]);
        assert_eq!(
            may_release(&haizhu_community(), &control),
            Err(RightsError::OutsideDistrict {
                reason: ArrivalFromKeyArea
            })
        );
        assert_eq!(
            may_release(&yuexiu_district(), &control),
            Err(RightsError::MayNotRelease {
                role: District,
                reason: ArrivalFromKeyArea
            })
        );
    }

    #[test]
    fn a_declared_arrival_is_released_by_the_community_of_the_declared_district() {
        let control = Control::from_declaration("440105");
        assert_eq!(released_by(&control), ["binjiang-street-community"]);
    }

    #[test]
    fn reasons_round_trip_through_their_wire_bits() {
        let all: ControlReasons = ControlReason::ALL.into_iter().collect();
        assert_eq!(all.bits(), 0x7f);
        assert_eq!(all.iter().collect::<Vec<_>>(), ControlReason::ALL);
        assert_eq!(ControlReasons::from_bits(0x80), None);
        assert_eq!(
            ControlReasons::from_bits(0x05)
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            [HomeIsolation, CloseContact]
        );
    }
}
