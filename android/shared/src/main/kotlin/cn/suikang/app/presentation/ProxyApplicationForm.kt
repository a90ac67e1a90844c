package cn.suikang.app.presentation

import cn.suikang.ffi.AppInterface
import cn.suikang.ffi.ApplyResult
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update

/**
 * The proxy application (代申领, 问题二) as a guardian fills it in: what was
 * typed, and where the submission stands. The core decides everything —
 * whether the name and number are valid, whether this guardian may apply,
 * the colour — and its typed error says which field to fix. The Compose
 * form only draws [state] and calls the setters and [submit].
 */
class ProxyApplicationForm(private val app: AppInterface) {
    data class Fields(
        val name: String = "",
        val documentKind: DocumentKind = DocumentKind.RESIDENT_ID,
        val number: String = "",
        val relationship: Relationship = Relationship.ADULT_RELATIVE,
        val coResident: Boolean = false,
    )

    sealed interface Stage {
        data object Editing : Stage
        data object Submitting : Stage

        /** The core or the server said no; nothing changed. */
        data class Refused(val kind: FailureKind, val error: SuikangException) : Stage

        /** The dependent's code exists: the arrows now reach it. */
        data class Applied(val result: ApplyResult) : Stage
    }

    data class State(val fields: Fields = Fields(), val stage: Stage = Stage.Editing) {
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

    /** A fresh, empty form (after an application, or on leaving the screen). */
    fun reset() {
        current.value = State()
    }

    /** Editing after a refusal goes back to editing: the hint was for the old input. */
    private fun edit(change: Fields.() -> Fields) = current.update {
        if (it.stage == Stage.Submitting) it else State(it.fields.change(), Stage.Editing)
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
                app.applyProxy(fields.name, fields.documentKind, fields.number, fields.relationship, fields.coResident),
            )
        } catch (e: SuikangException) {
            Stage.Refused(e.kind(), e)
        }
        current.update { it.copy(stage = stage) }
    }
}
