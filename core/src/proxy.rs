//! What a guardian states when applying on a dependent's behalf (代申领,
//! 问题二), as the apps' forms and the CLI fill it in. A leaf: `app` sends
//! it, the apps build it.

use suikang_protocol::{DeviceReason, DocumentKind, Relationship};

/// One proxy application. `Debug` shows neither the name nor the number.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyApplication {
    /// The dependent's real name (checked by the protocol's name rules).
    pub name: String,
    pub kind: DocumentKind,
    /// The dependent's document number.
    pub number: String,
    pub relationship: Relationship,
    /// A relative declares living with the person (recorded).
    pub co_resident_declared: bool,
    /// Why a dependent aged 18–59 cannot use a smart device (问题二),
    /// recorded and audited; not needed for elders and children.
    pub reason: Option<DeviceReason>,
    /// The district the dependent lives in (a GB/T 2260 code or a name:
    /// `440105`, `海珠区`, `haizhu`). Its residents' committee decides the
    /// join requests for the person (DESIGN §2: 所在居村民委员会); the first
    /// statement is recorded. A relative may leave it out.
    pub residence_district: Option<String>,
}

impl ProxyApplication {
    /// A relative's or an institution's application with no reason and no
    /// residence stated; set those fields when they apply.
    pub fn new(
        name: &str,
        kind: DocumentKind,
        number: &str,
        relationship: Relationship,
        co_resident_declared: bool,
    ) -> ProxyApplication {
        ProxyApplication {
            name: name.to_owned(),
            kind,
            number: number.to_owned(),
            relationship,
            co_resident_declared,
            reason: None,
            residence_district: None,
        }
    }
}

impl std::fmt::Debug for ProxyApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyApplication")
            .field("kind", &self.kind)
            .field("relationship", &self.relationship)
            .field("co_resident_declared", &self.co_resident_declared)
            .field("reason", &self.reason)
            .field("residence_district", &self.residence_district)
            .finish_non_exhaustive()
    }
}
