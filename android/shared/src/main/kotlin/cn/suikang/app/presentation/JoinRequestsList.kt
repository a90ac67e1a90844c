package cn.suikang.app.presentation

import cn.suikang.ffi.AppInterface
import cn.suikang.ffi.JoinDecision
import cn.suikang.ffi.JoinDecisionResult
import cn.suikang.ffi.JoinRequest
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.clockText
import cn.suikang.ffi.relationshipLabel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update

/**
 * The requests to join this guardian's dependents' guardians (DESIGN §2,
 * guardianship consent), and the guardian's decisions. The server decides
 * who may decide and what a decision does; this holds the list the core
 * fetched and where a decision stands. Needs the network: the core does not
 * queue decisions (a decision made offline would land on a changed list).
 */
class JoinRequestsList(private val app: AppInterface) {
    /** One request as the screen draws it, in the person's language. */
    data class Row(
        val requestId: String,
        val codeId: String,
        /** Whose guardians they ask to join (masked: 李*英). */
        val dependent: String,
        /** Who asked (masked: 王*国). */
        val requester: String,
        /** How they say they are related, from the core. */
        val relationship: String,
        val coResidentDeclared: Boolean,
        /** When they asked, Beijing time, as the core writes it. */
        val requestedAt: String,
    )

    sealed interface Stage {
        data object Loading : Stage
        data object Ready : Stage

        /** A decision on [requestId] is in flight; the other rows wait. */
        data class Deciding(val requestId: String) : Stage

        /** The core or the server said no (offline, already decided…); the list is as it was. */
        data class Failed(val kind: FailureKind, val error: SuikangException) : Stage
    }

    data class State(
        val requests: List<JoinRequest> = emptyList(),
        val stage: Stage = Stage.Loading,
        /** The decision the server recorded last, for a confirmation line. */
        val lastDecision: JoinDecisionResult? = null,
    ) {
        fun rows(language: Language): List<Row> = requests.map { it.toRow(language) }

        /** Nothing in flight: the guardian may tap approve or decline. */
        val canDecide: Boolean get() = stage !is Stage.Deciding && stage != Stage.Loading
    }

    private val current = MutableStateFlow(State())
    val state: StateFlow<State> = current

    /** Fetches the waiting requests (oldest first, as the server orders them). */
    suspend fun refresh() {
        current.update { it.copy(stage = Stage.Loading) }
        val next = try {
            current.value.copy(requests = app.pendingJoinRequests(), stage = Stage.Ready)
        } catch (e: SuikangException) {
            current.value.copy(stage = Stage.Failed(e.kind(), e))
        }
        current.value = next
    }

    suspend fun approve(requestId: String) = decide(requestId, JoinDecision.APPROVED)

    suspend fun decline(requestId: String) = decide(requestId, JoinDecision.DECLINED)

    /** One decision at a time; then the list is fetched again (others may have decided too). */
    private suspend fun decide(requestId: String, decision: JoinDecision) {
        var started = false
        current.update {
            if (!it.canDecide || it.requests.none { r -> r.requestId == requestId }) return@update it
            started = true
            it.copy(stage = Stage.Deciding(requestId))
        }
        if (!started) return
        try {
            val recorded = when (decision) {
                JoinDecision.APPROVED -> app.approveJoinRequest(requestId)
                JoinDecision.DECLINED -> app.declineJoinRequest(requestId)
            }
            current.update { it.copy(lastDecision = recorded) }
            refresh()
        } catch (e: SuikangException) {
            current.update { it.copy(stage = Stage.Failed(e.kind(), e)) }
        }
    }
}

fun JoinRequest.toRow(language: Language): JoinRequestsList.Row = JoinRequestsList.Row(
    requestId = requestId,
    codeId = codeId,
    dependent = dependentMaskedName,
    requester = requesterMaskedName,
    relationship = relationshipLabel(relationship, language.core),
    coResidentDeclared = coResidentDeclared,
    requestedAt = clockText(requestedAt),
)
