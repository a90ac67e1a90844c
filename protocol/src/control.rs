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

    /// Traditional Chinese (Hong Kong, Macao, Taiwan visitors: 来穗人员).
    pub fn label_zh_hant(self) -> &'static str {
        match self {
            ControlReason::HomeIsolation => "居家隔離",
            ControlReason::CentralisedIsolation => "集中隔離",
            ControlReason::CloseContact => "密切接觸者",
            ControlReason::SuspectedCase => "疑似病例",
            ControlReason::ConfirmedCase => "確診病例",
            ControlReason::NucleicAcidPositive => "核酸陽性",
            ControlReason::ArrivalFromKeyArea => "重點疫區抵穗人員",
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

/// Why an authority may not impose, release or hand over a control.
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
    #[error(
        "only the organisation that executes the {reason:?} control may release or hand it over"
    )]
    NotTheExecutingOrganisation { reason: ControlReason },
    #[error("only a community of the control's own district may release {reason:?}")]
    OutsideDistrict { reason: ControlReason },
    #[error("a {role:?} organisation may not execute {reason:?}, so it cannot take it over")]
    RecipientMayNotExecute {
        role: AuthorityRole,
        reason: ControlReason,
    },
}

/// The kinds of organisation that manage (impose and execute) each reason:
/// the first column of 问题十's table read as DESIGN §2 does.
pub fn executing_roles(reason: ControlReason) -> &'static [AuthorityRole] {
    use AuthorityRole::*;
    use ControlReason::*;
    match reason {
        HomeIsolation => &[District, MedicalInstitution],
        CentralisedIsolation => &[District, Cdc, MedicalInstitution],
        CloseContact => &[Cdc],
        SuspectedCase | ConfirmedCase | NucleicAcidPositive => &[MedicalInstitution],
        ArrivalFromKeyArea => &[Community],
    }
}

/// Whether `actor` may put a person under `reason` (DESIGN §2: the authority
/// that manages a measure is the one that imposes it, 问题十).
pub fn may_impose(actor: &Authority, reason: ControlReason) -> Result<(), RightsError> {
    if executing_roles(reason).contains(&actor.role) {
        Ok(())
    } else {
        Err(RightsError::MayNotImpose {
            role: actor.role,
            reason,
        })
    }
}

/// Whether `actor` may lift `control`, given every control active on the
/// same person (`active`, which may include `control` itself). 问题十 as
/// DESIGN §2 reads it — "that executes it" qualifies every kind in a row:
///
/// | reason | released by |
/// |---|---|
/// | home isolation | the district or medical institution that executes it |
/// | centralised isolation | the district, CDC or medical institution that executes it |
/// | close contact | the CDC that executes the person's centralised isolation; if no CDC executes one, the CDC that executes the close-contact control |
/// | suspected / confirmed / nucleic-acid positive | any medical institution |
/// | arrival from a key epidemic area | a community of the control's district |
pub fn may_release(
    actor: &Authority,
    control: &Control,
    active: &[Control],
) -> Result<(), RightsError> {
    use AuthorityRole::*;
    use ControlReason::*;
    let reason = control.reason;
    if !executing_roles(reason).contains(&actor.role) {
        return Err(RightsError::MayNotRelease {
            role: actor.role,
            reason,
        });
    }
    let must_execute = |c: &Control| {
        if c.executed_by(actor) {
            Ok(())
        } else {
            Err(RightsError::NotTheExecutingOrganisation { reason })
        }
    };
    match reason {
        HomeIsolation | CentralisedIsolation => must_execute(control),
        CloseContact => {
            // 密切接触者，由执行集中隔离措施的疾控中心解除.
            let isolating_cdc = active.iter().find(|c| {
                c.reason == CentralisedIsolation
                    && matches!(&c.executor, Executor::Authority(a) if a.role == Cdc)
            });
            must_execute(isolating_cdc.unwrap_or(control))
        }
        SuspectedCase | ConfirmedCase | NucleicAcidPositive => Ok(()),
        ArrivalFromKeyArea if actor.district == control.district => Ok(()),
        ArrivalFromKeyArea => Err(RightsError::OutsideDistrict { reason }),
    }
}

/// Hands the execution of `control` over from `actor` to `to` (DESIGN §2:
/// audited by the caller). Whoever may release the control may hand it
/// over; the receiving organisation must be of a kind that executes the
/// reason, and for an arrival from a key area a community of the control's
/// own district. Returns the control as it stands afterwards.
pub fn hand_over(
    actor: &Authority,
    control: &Control,
    active: &[Control],
    to: &Authority,
) -> Result<Control, RightsError> {
    may_release(actor, control, active)?;
    let reason = control.reason;
    if !executing_roles(reason).contains(&to.role) {
        return Err(RightsError::RecipientMayNotExecute {
            role: to.role,
            reason,
        });
    }
    if reason == ControlReason::ArrivalFromKeyArea && to.district != control.district {
        return Err(RightsError::OutsideDistrict { reason });
    }
    Ok(Control {
        reason,
        executor: Executor::Authority(to.clone()),
        district: control.district.clone(),
    })
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
            .filter(|a| may_release(a, control, std::slice::from_ref(control)).is_ok())
            .map(|a| a.organisation.clone())
            .collect()
    }

    #[test]
    fn home_isolation_is_released_by_the_district_that_executes_it() {
        let control = Control::imposed_by(&yuexiu_district(), HomeIsolation);
        assert_eq!(released_by(&control), ["yuexiu-district"]);
        assert_eq!(
            may_release(&haizhu_district(), &control, &[]),
            Err(RightsError::NotTheExecutingOrganisation {
                reason: HomeIsolation
            })
        );
        // 执行居家隔离措施的区或医疗机构: a hospital that does not execute it may not.
        assert_eq!(
            may_release(&hospital(), &control, &[]),
            Err(RightsError::NotTheExecutingOrganisation {
                reason: HomeIsolation
            })
        );
        assert_eq!(
            may_release(&city_cdc(), &control, &[]),
            Err(RightsError::MayNotRelease {
                role: Cdc,
                reason: HomeIsolation
            })
        );
    }

    #[test]
    fn home_isolation_imposed_by_a_hospital_is_released_by_that_hospital_only() {
        let control = Control::imposed_by(&hospital(), HomeIsolation);
        assert_eq!(released_by(&control), ["eighth-peoples-hospital"]);
    }

    #[test]
    fn centralised_isolation_is_released_only_by_the_organisation_that_executes_it() {
        for executor in [yuexiu_district(), city_cdc(), hospital()] {
            let control = Control::imposed_by(&executor, CentralisedIsolation);
            assert_eq!(
                released_by(&control),
                std::slice::from_ref(&executor.organisation)
            );
        }
        let control = Control::imposed_by(&yuexiu_district(), CentralisedIsolation);
        assert_eq!(
            may_release(&yuexiu_community(), &control, &[]),
            Err(RightsError::MayNotRelease {
                role: Community,
                reason: CentralisedIsolation
            })
        );
    }

    #[test]
    fn close_contact_is_released_by_the_cdc_executing_the_centralised_isolation() {
        let contact = Control::imposed_by(&other_cdc(), CloseContact);
        let isolation = Control::imposed_by(&city_cdc(), CentralisedIsolation);
        let active = [contact.clone(), isolation];
        assert_eq!(may_release(&city_cdc(), &contact, &active), Ok(()));
        assert_eq!(
            may_release(&other_cdc(), &contact, &active),
            Err(RightsError::NotTheExecutingOrganisation {
                reason: CloseContact
            })
        );
        // With no centralised isolation a CDC executes, the imposing CDC releases.
        let by_district = Control::imposed_by(&yuexiu_district(), CentralisedIsolation);
        for active in [vec![contact.clone()], vec![contact.clone(), by_district]] {
            assert_eq!(may_release(&other_cdc(), &contact, &active), Ok(()));
            assert!(may_release(&city_cdc(), &contact, &active).is_err());
        }
        assert_eq!(
            may_release(&hospital(), &contact, &[]),
            Err(RightsError::MayNotRelease {
                role: MedicalInstitution,
                reason: CloseContact
            })
        );
    }

    #[test]
    fn a_cdc_with_the_same_name_in_another_role_is_not_the_executor() {
        let control = Control::imposed_by(&city_cdc(), CentralisedIsolation);
        let impostor = authority(District, "guangzhou-cdc", "440100");
        assert!(may_release(&impostor, &control, &[]).is_err());
    }

    #[test]
    fn cases_and_positives_are_released_by_any_medical_institution() {
        for reason in [SuspectedCase, ConfirmedCase, NucleicAcidPositive] {
            let control = Control::imposed_by(&hospital(), reason);
            assert_eq!(
                released_by(&control),
                ["eighth-peoples-hospital"],
                "{reason:?}"
            );
            let other_hospital = authority(MedicalInstitution, "first-affiliated", "440104");
            assert_eq!(may_release(&other_hospital, &control, &[]), Ok(()));
            assert_eq!(
                may_release(&city_cdc(), &control, &[]),
                Err(RightsError::MayNotRelease { role: Cdc, reason })
            );
        }
    }

    #[test]
    fn arrival_from_a_key_area_is_released_by_a_community_of_its_district() {
        let control = Control::imposed_by(&yuexiu_community(), ArrivalFromKeyArea);
        assert_eq!(released_by(&control), ["beijing-street-community"]);
        assert_eq!(
            may_release(&haizhu_community(), &control, &[]),
            Err(RightsError::OutsideDistrict {
                reason: ArrivalFromKeyArea
            })
        );
        assert_eq!(
            may_release(&yuexiu_district(), &control, &[]),
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
    fn execution_is_handed_over_only_to_an_organisation_that_may_execute_it() {
        let isolation = Control::imposed_by(&yuexiu_district(), HomeIsolation);
        let after = hand_over(&yuexiu_district(), &isolation, &[], &hospital()).unwrap();
        assert_eq!(released_by(&after), ["eighth-peoples-hospital"]);
        assert_eq!(
            hand_over(&haizhu_district(), &isolation, &[], &hospital()),
            Err(RightsError::NotTheExecutingOrganisation {
                reason: HomeIsolation
            })
        );
        assert_eq!(
            hand_over(&yuexiu_district(), &isolation, &[], &city_cdc()),
            Err(RightsError::RecipientMayNotExecute {
                role: Cdc,
                reason: HomeIsolation
            })
        );
        let arrival = Control::from_declaration("440104");
        assert_eq!(
            hand_over(&yuexiu_community(), &arrival, &[], &haizhu_community()),
            Err(RightsError::OutsideDistrict {
                reason: ArrivalFromKeyArea
            })
        );
    }

    /// DESIGN §2: no control may exist that no account could release. Every
    /// executor a control can have — each organisation kind that may impose
    /// or take over the reason, in every known district, and the health
    /// declaration for every district — alone or beside a centralised
    /// isolation executed by anyone, is released by someone.
    #[test]
    fn every_reason_and_executor_pair_has_someone_who_may_release_it() {
        use crate::district::DISTRICTS;
        let roles = [District, Cdc, MedicalInstitution, Community];
        let mut pairs = 0;
        for reason in ControlReason::ALL {
            let mut controls = Vec::new();
            for d in DISTRICTS {
                for role in roles {
                    let executor = authority(role, &format!("{role:?}-{}", d.code), &d.code_text());
                    if may_impose(&executor, reason).is_ok() {
                        controls.push(Control::imposed_by(&executor, reason));
                    }
                }
                if reason == ArrivalFromKeyArea {
                    controls.push(Control::from_declaration(d.code_text()));
                }
            }
            for control in controls {
                let mut contexts = vec![vec![control.clone()]];
                for role in [District, Cdc, MedicalInstitution] {
                    let isolating = authority(role, "isolation-site", &control.district);
                    contexts.push(vec![
                        control.clone(),
                        Control::imposed_by(&isolating, CentralisedIsolation),
                    ]);
                }
                for active in contexts {
                    pairs += 1;
                    let candidates = releasers_that_could_exist(&control, &active);
                    assert!(
                        candidates
                            .iter()
                            .any(|a| may_release(a, &control, &active).is_ok()),
                        "no one may release {control:?} among {active:?}"
                    );
                }
            }
        }
        assert!(pairs > 1000, "{pairs}");
    }

    /// Every authority account that could exist for a control: each
    /// executor named on the person's controls, and an organisation of every
    /// role in the control's district.
    fn releasers_that_could_exist(control: &Control, active: &[Control]) -> Vec<Authority> {
        let mut out: Vec<Authority> = active
            .iter()
            .filter_map(|c| match &c.executor {
                Executor::Authority(a) => Some(a.clone()),
                Executor::HealthDeclaration => None,
            })
            .collect();
        for role in [District, Cdc, MedicalInstitution, Community] {
            out.push(authority(role, "some-organisation", &control.district));
        }
        out
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
