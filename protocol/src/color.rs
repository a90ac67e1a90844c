use serde::{Deserialize, Serialize};

use crate::control::ControlReasons;

/// The colour of a health code (问题三).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Color {
    /// Under epidemic-control management for one or more reasons.
    Red,
    /// Normal risk, applied for by the holder themself.
    Blue,
    /// Normal risk, applied for on the holder's behalf (代申领).
    Green,
}

/// Who applied for a code: the holder, or a guardian on their behalf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliedBy {
    Holder,
    Proxy,
}

impl Color {
    /// The colour rule (问题三): red while any control is active, else blue if
    /// the holder applied, green if someone applied on their behalf.
    pub fn of(applied_by: AppliedBy, active_controls: ControlReasons) -> Color {
        if !active_controls.is_empty() {
            return Color::Red;
        }
        match applied_by {
            AppliedBy::Holder => Color::Blue,
            AppliedBy::Proxy => Color::Green,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Color::Red => "红码",
            Color::Blue => "蓝码",
            Color::Green => "绿码",
        }
    }

    /// Traditional Chinese (Hong Kong, Macao, Taiwan visitors: 来穗人员).
    pub fn name_zh_hant(self) -> &'static str {
        match self {
            Color::Red => "紅碼",
            Color::Blue => "藍碼",
            Color::Green => "綠碼",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Color::Red => "red code",
            Color::Blue => "blue code",
            Color::Green => "green code",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::ControlReason;

    #[test]
    fn a_holder_without_controls_is_blue() {
        assert_eq!(
            Color::of(AppliedBy::Holder, ControlReasons::EMPTY),
            Color::Blue
        );
    }

    #[test]
    fn a_proxied_code_without_controls_is_green() {
        assert_eq!(
            Color::of(AppliedBy::Proxy, ControlReasons::EMPTY),
            Color::Green
        );
    }

    #[test]
    fn any_active_control_turns_either_code_red() {
        for reason in ControlReason::ALL {
            let controls = ControlReasons::EMPTY.with(reason);
            assert_eq!(
                Color::of(AppliedBy::Holder, controls),
                Color::Red,
                "{reason:?}"
            );
            assert_eq!(
                Color::of(AppliedBy::Proxy, controls),
                Color::Red,
                "{reason:?}"
            );
        }
    }

    #[test]
    fn releasing_the_last_control_restores_the_normal_colour() {
        let controls = ControlReasons::EMPTY
            .with(ControlReason::CloseContact)
            .with(ControlReason::HomeIsolation);
        let after_one = controls.without(ControlReason::CloseContact);
        assert_eq!(Color::of(AppliedBy::Proxy, after_one), Color::Red);
        let after_both = after_one.without(ControlReason::HomeIsolation);
        assert_eq!(Color::of(AppliedBy::Proxy, after_both), Color::Green);
    }
}
