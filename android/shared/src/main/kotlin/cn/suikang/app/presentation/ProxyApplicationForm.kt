package cn.suikang.app.presentation

import cn.suikang.ffi.AppInterface
import cn.suikang.ffi.ApplyResult
import cn.suikang.ffi.DeviceReason
import cn.suikang.ffi.DeviceReasonChoice
import cn.suikang.ffi.DistrictChoice
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.ProxyApplication
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.deviceReasonChoices
import cn.suikang.ffi.districts
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update

/**
 * The proxy application (代申领, 问题二) as a guardian fills it in: what was
 * typed, and where the submission stands. The core decides everything —
 * whether the name and number are valid, whether this guardian may apply,
 * the colour — and its typed error says which field to fix. The Compose
 * form only draws [state] and calls the setters and [submit].
 *
 * The dependent's residence district (DESIGN §2: the residents' committee
 * of that district decides who else may join their guardians) is picked
 * from the core's district list, searched as the guardian types; text typed
 * but not picked goes to the core as it is, which finds the district or
 * refuses it (`UnknownDistrict`).
 */
class ProxyApplicationForm(
    private val app: AppInterface,
    /** The language the district names are shown in (the app's current one). */
    private val language: () -> Language = { Language.ZH },
) {
    data class Fields(
        val name: String = "",
        val documentKind: DocumentKind = DocumentKind.RESIDENT_ID,
        val number: String = "",
        val relationship: Relationship = Relationship.ADULT_RELATIVE,
        val coResident: Boolean = false,
        /** What was typed in the district search. */
        val districtQuery: String = "",
        /** The district picked from [State.districtChoices]; null until one is. */
        val district: DistrictChoice? = null,
        /**
         * Why a dependent aged 18–59 cannot use a smart device (问题二): one
         * of [reasonChoices], or `Other` in the guardian's words; null for an
         * elder or a child. Whether it is needed is the server's rule (by age).
         */
        val reason: DeviceReason? = null,
    ) {
        /** The district as the core gets it: the picked one's code, else what was typed, else none. */
        val residenceDistrict: String?
            get() = district?.code ?: districtQuery.trim().takeIf { it.isNotEmpty() }
    }

    sealed interface Stage {
        data object Editing : Stage
        data object Submitting : Stage

        /** The core or the server said no; nothing changed. */
        data class Refused(val kind: FailureKind, val error: SuikangException) : Stage

        /** The dependent's code exists: the arrows now reach it. */
        data class Applied(val result: ApplyResult) : Stage
    }

    data class State(
        val fields: Fields = Fields(),
        val stage: Stage = Stage.Editing,
        /** The core's districts matching the search, in the person's language. */
        val districtChoices: List<DistrictChoice> = emptyList(),
    ) {
        /** Something to send, and nothing in flight. */
        val canSubmit: Boolean
            get() = stage != Stage.Submitting && fields.name.isNotBlank() && fields.number.isNotBlank()
    }

    private val current = MutableStateFlow(State())
    val state: StateFlow<State> = current

    fun setName(name: String) = edit { copy(name = name) }
    fun setDocumentKind(kind: DocumentKind) = edit { copy(documentKind = kind) }
    fun setNumber(number: String) = edit { copy(number = number) }
    fun setRelationship(relationship: Relationship) = edit { copy(relationship = relationship) }
    fun setCoResident(coResident: Boolean) = edit { copy(coResident = coResident) }
    fun setReason(reason: DeviceReason?) = edit { copy(reason = reason) }

    /** The reasons the core offers, labelled in the person's language; "other" is typed. */
    fun reasonChoices(): List<DeviceReasonChoice> = deviceReasonChoices(language().core)

    /** The guardian types in the district search: the core offers what matches; a pick is undone. */
    fun searchDistrict(query: String) {
        edit { copy(districtQuery = query, district = null) }
        val choices = if (query.isBlank()) emptyList() else districts(query, language().core)
        current.update { it.copy(districtChoices = choices) }
    }

    /** The guardian picks one of the offered districts. */
    fun chooseDistrict(choice: DistrictChoice) {
        edit { copy(districtQuery = choice.name, district = choice) }
        current.update { it.copy(districtChoices = emptyList()) }
    }

    /** A fresh, empty form (after an application, or on leaving the screen). */
    fun reset() {
        current.value = State()
    }

    /** Editing after a refusal goes back to editing: the hint was for the old input. */
    private fun edit(change: Fields.() -> Fields) = current.update {
        if (it.stage == Stage.Submitting) it else it.copy(fields = it.fields.change(), stage = Stage.Editing)
    }

    /** Sends the application once; a second tap while it is in flight does nothing. */
    suspend fun submit() {
        val fields = current.value.fields
        var started = false
        current.update {
            if (!it.canSubmit) return@update it
            started = true
            it.copy(stage = Stage.Submitting)
        }
        if (!started) return
        val stage = try {
            Stage.Applied(
                app.applyProxy(
                    ProxyApplication(
                        name = fields.name,
                        kind = fields.documentKind,
                        number = fields.number,
                        relationship = fields.relationship,
                        coResidentDeclared = fields.coResident,
                        reason = fields.reason,
                        residenceDistrict = fields.residenceDistrict,
                    ),
                ),
            )
        } catch (e: SuikangException) {
            Stage.Refused(e.kind(), e)
        }
        current.update { it.copy(stage = stage) }
    }
}
