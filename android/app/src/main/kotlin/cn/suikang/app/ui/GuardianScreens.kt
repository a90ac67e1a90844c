package cn.suikang.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.suikang.ffi.UiText
import cn.suikang.app.presentation.failureText
import cn.suikang.app.presentation.text
import cn.suikang.app.presentation.DependentsList
import cn.suikang.app.presentation.JoinRequestsList
import cn.suikang.ffi.JoinDecision
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.removeDependentQuestion

/** A join request's row, as tests find it: `join-request-<id>`. */
fun joinRequestTag(requestId: String) = "join-request-$requestId"

/** The dependents this guardian holds (代申领, 问题二); remove asks once more. */
@Composable
fun DependentsScreen(model: AppViewModel) {
    val state by model.dependents.state.collectAsStateWithLifecycle()
    val language by model.language.collectAsStateWithLifecycle()
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(language.text(UiText.DEPENDENTS), style = MaterialTheme.typography.titleLarge)
        val rows = state.rows(language)
        if (rows.isEmpty()) Text(language.text(UiText.NO_DEPENDENTS_YET))
        rows.forEach { row ->
            Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text("${row.maskedName}  ${row.maskedDocument}", style = MaterialTheme.typography.titleMedium)
                Text(listOfNotNull(row.color, row.relationship).joinToString(" · "))
                when (val stage = state.stage) {
                    is DependentsList.Stage.Confirming -> if (stage.codeId == row.codeId) {
                        Text(removeDependentQuestion(row.maskedName, language.core))
                        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                            Button(onClick = model::confirmRemoveDependent) { Text(language.text(UiText.CONFIRM_REMOVE)) }
                            TextButton(onClick = model::cancelRemoveDependent) { Text(language.text(UiText.CANCEL)) }
                        }
                    }
                    is DependentsList.Stage.Removing -> Unit
                    else -> OutlinedButton(onClick = { model.askToRemoveDependent(row.codeId) }) { Text(language.text(UiText.REMOVE)) }
                }
                HorizontalDivider()
            }
        }
        when (val stage = state.stage) {
            is DependentsList.Stage.Removing -> Text(language.text(UiText.SENDING))
            is DependentsList.Stage.Removed -> Text(
                if (stage.outcome == SubmitOutcome.QUEUED) language.text(UiText.SAVED_SENT_WHEN_ONLINE)
                else language.text(UiText.REMOVED),
            )
            is DependentsList.Stage.Failed -> Text(failureText(stage.kind, stage.error, language), color = MaterialTheme.colorScheme.error)
            else -> Unit
        }
        TextButton(onClick = model::backToHome) { Text(language.text(UiText.BACK)) }
    }
}

/** Who asked to join the guardians of this guardian's dependents (DESIGN §2): approve or decline. */
@Composable
fun JoinRequestsScreen(model: AppViewModel) {
    val state by model.joinRequests.state.collectAsStateWithLifecycle()
    val language by model.language.collectAsStateWithLifecycle()
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(language.text(UiText.JOIN_REQUESTS), style = MaterialTheme.typography.titleLarge)
        val rows = state.rows(language)
        if (rows.isEmpty() && state.stage == JoinRequestsList.Stage.Ready) Text(language.text(UiText.NO_JOIN_REQUESTS))
        rows.forEach { row ->
            Column(
                Modifier.fillMaxWidth().testTag(joinRequestTag(row.requestId)),
                verticalArrangement = Arrangement.spacedBy(4.dp),
            ) {
                Text("${row.requester} → ${row.dependent}", style = MaterialTheme.typography.titleMedium)
                Text(row.relationship + if (row.coResidentDeclared) " · " + language.text(UiText.LIVES_WITH_DEPENDENT) else "")
                Text(row.requestedAt, style = MaterialTheme.typography.labelMedium)
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Button(onClick = { model.approveJoinRequest(row.requestId) }, enabled = state.canDecide) { Text(language.text(UiText.APPROVE)) }
                    OutlinedButton(onClick = { model.declineJoinRequest(row.requestId) }, enabled = state.canDecide) { Text(language.text(UiText.DECLINE)) }
                }
                HorizontalDivider()
            }
        }
        when (val stage = state.stage) {
            JoinRequestsList.Stage.Loading -> Text(language.text(UiText.LOADING))
            is JoinRequestsList.Stage.Deciding -> Text(language.text(UiText.SENDING))
            is JoinRequestsList.Stage.Failed -> Text(failureText(stage.kind, stage.error, language), color = MaterialTheme.colorScheme.error)
            else -> state.lastDecision?.let {
                Text(if (it.decision == JoinDecision.APPROVED) language.text(UiText.APPROVED) else language.text(UiText.DECLINED))
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = model::refreshJoinRequests) { Text(language.text(UiText.REFRESH)) }
            TextButton(onClick = model::backToHome) { Text(language.text(UiText.BACK)) }
        }
    }
}
