package cn.suikang.app.presentation

import cn.suikang.ffi.AppInterface
import cn.suikang.ffi.DistrictChoice
import cn.suikang.ffi.KeyAreaTravel
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.Symptom
import cn.suikang.ffi.districts
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update

/**
 * The health declaration (健康申报): the holder reports changes in health
 * (symptoms) and arrival from a key epidemic area, for their own code or a
 * dependent's. Whether the district is known and the date not in the future
 * is the core's rule, and a declared arrival turns the code red there
 * (问题三); this keeps what was ticked and typed and forwards it once. The
 * district arrived in is picked from the core's district list, searched as
 * the person types (text not picked goes to the core as typed, which finds
 * the district or refuses it: `UnknownDistrict`).
 */
class DeclarationForm(
    private val app: AppInterface,
    /** The language the district names are shown in (the app's current one). */
    private val language: () -> Language = { Language.ZH },
) {
    data class Fields(
        /** Whose code: null is one's own, else a dependent's code id. */
        val codeId: String? = null,
        val symptoms: Set<Symptom> = emptySet(),
        val travelled: Boolean = false,
        val area: String = "",
        /** `YYYY-MM-DD`, as the core takes it. */
        val arrivedOn: String = "",
        /** The district arrived in as the core gets it: a picked district's GB/T 2260 code, or what was typed. */
        val district: String = "",
        /** What the district field shows: the search typed, or the picked district's name. */
        val districtQuery: String = "",
    )

    sealed interface Stage {
        data object Editing : Stage
        data object Submitting : Stage
        data class Refused(val kind: FailureKind, val error: SuikangException) : Stage

        /** Delivered, or queued on the phone until the network returns. */
        data class Sent(val outcome: SubmitOutcome) : Stage
    }

    data class State(
        val fields: Fields = Fields(),
        val stage: Stage = Stage.Editing,
        /** The core's districts matching the search, in the person's language. */
        val districtChoices: List<DistrictChoice> = emptyList(),
    ) {
        val canSubmit: Boolean
            get() = stage != Stage.Submitting &&
                (!fields.travelled || (fields.area.isNotBlank() && fields.arrivedOn.isNotBlank() && fields.district.isNotBlank()))
    }

    private val current = MutableStateFlow(State())
    val state: StateFlow<State> = current

    /** Opens the form for one code (null: one's own). */
    fun start(codeId: String?) {
        current.value = State(Fields(codeId = codeId))
    }

    fun toggle(symptom: Symptom) = edit {
        copy(symptoms = if (symptom in symptoms) symptoms - symptom else symptoms + symptom)
    }

    fun setTravelled(travelled: Boolean) = edit { copy(travelled = travelled) }
    fun setArea(area: String) = edit { copy(area = area) }
    fun setArrivedOn(date: String) = edit { copy(arrivedOn = date) }
    fun setDistrict(district: String) = edit { copy(district = district, districtQuery = district) }

    /** The person types in the district search: the core offers what matches. */
    fun searchDistrict(query: String) {
        setDistrict(query)
        val choices = if (query.isBlank()) emptyList() else districts(query, language().core)
        current.update { it.copy(districtChoices = choices) }
    }

    /** The person picks one of the offered districts. */
    fun chooseDistrict(choice: DistrictChoice) {
        edit { copy(district = choice.code, districtQuery = choice.name) }
        current.update { it.copy(districtChoices = emptyList()) }
    }

    private fun edit(change: Fields.() -> Fields) = current.update {
        if (it.stage == Stage.Submitting) it else it.copy(fields = it.fields.change(), stage = Stage.Editing)
    }

    suspend fun submit() {
        val fields = current.value.fields
        var started = false
        current.update {
            if (!it.canSubmit) return@update it
            started = true
            it.copy(stage = Stage.Submitting)
        }
        if (!started) return
        val travel = if (fields.travelled) KeyAreaTravel(fields.area.trim(), fields.arrivedOn.trim(), fields.district.trim()) else null
        val stage = try {
            // Symptoms in the core's order, whatever order they were ticked in.
            Stage.Sent(app.declare(fields.codeId, Symptom.entries.filter { it in fields.symptoms }, travel))
        } catch (e: SuikangException) {
            Stage.Refused(e.kind(), e)
        }
        current.update { it.copy(stage = stage) }
    }
}
