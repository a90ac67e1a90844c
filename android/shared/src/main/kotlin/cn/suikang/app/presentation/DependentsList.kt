package cn.suikang.app.presentation

import cn.suikang.ffi.AppInterface
import cn.suikang.ffi.CodeRole
import cn.suikang.ffi.CodeSummary
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.colorName
import cn.suikang.ffi.relationshipLabel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update

/**
 * The guardian's dependents (代申领, 问题二) from the codes on the phone, and
 * leaving one's guardians ("remove"), asked once more before it is done:
 * the last guardian leaving ends the proxy holding. The core says which codes
 * are dependents' and queues the removal when offline.
 */
class DependentsList(private val app: AppInterface) {
    /** One dependent as the list draws it, in the person's language. */
    data class Row(
        val codeId: String,
        val maskedName: String,
        val maskedDocument: String,
        /** 绿码 / 綠碼 / green code, from the core. */
        val color: String,
        /** How this guardian is related, from the core. */
        val relationship: String?,
    )

    sealed interface Stage {
        data object Ready : Stage

        /** "Remove 李*英?": the guardian confirms or cancels. */
        data class Confirming(val codeId: String) : Stage
        data class Removing(val codeId: String) : Stage

        /** Done, or queued until the network returns (the core says which). */
        data class Removed(val codeId: String, val outcome: SubmitOutcome) : Stage
        data class Failed(val kind: FailureKind, val error: SuikangException) : Stage
    }

    data class State(val dependents: List<CodeSummary> = emptyList(), val stage: Stage = Stage.Ready) {
        fun rows(language: Language): List<Row> = dependents.map { it.toRow(language) }
    }

    private val current = MutableStateFlow(State())
    val state: StateFlow<State> = current

    /** The dependents' codes saved on the phone (no network needed). */
    suspend fun load() {
        val next = try {
            State(app.codes().filter { it.role == CodeRole.DEPENDENT }, Stage.Ready)
        } catch (e: SuikangException) {
            current.value.copy(stage = Stage.Failed(e.kind(), e))
        }
        current.value = next
    }

    fun askToRemove(codeId: String) = current.update {
        if (it.stage is Stage.Removing || it.dependents.none { d -> d.codeId == codeId }) it
        else it.copy(stage = Stage.Confirming(codeId))
    }

    fun cancel() = current.update { if (it.stage is Stage.Confirming) it.copy(stage = Stage.Ready) else it }

    /** Leaves the confirmed dependent's guardians, then lists again. */
    suspend fun confirmRemove() {
        var codeId: String? = null
        current.update {
            val stage = it.stage
            if (stage !is Stage.Confirming) return@update it
            codeId = stage.codeId
            it.copy(stage = Stage.Removing(stage.codeId))
        }
        val id = codeId ?: return
        try {
            val outcome = app.removeDependent(id)
            load()
            current.update { it.copy(stage = Stage.Removed(id, outcome)) }
        } catch (e: SuikangException) {
            current.update { it.copy(stage = Stage.Failed(e.kind(), e)) }
        }
    }
}

fun CodeSummary.toRow(language: Language): DependentsList.Row = DependentsList.Row(
    codeId = codeId,
    maskedName = maskedName,
    maskedDocument = maskedDocument,
    color = colorName(color, language.core),
    relationship = relationship?.let { relationshipLabel(it, language.core) },
)
