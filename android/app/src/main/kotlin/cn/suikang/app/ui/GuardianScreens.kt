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
import cn.suikang.app.presentation.DependentsList
import cn.suikang.app.presentation.JoinRequestsList
import cn.suikang.ffi.JoinDecision
import cn.suikang.ffi.SubmitOutcome

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
        Text("被代领人 / Dependents", style = MaterialTheme.typography.titleLarge)
        val rows = state.rows(language)
        if (rows.isEmpty()) Text("还没有代领的穗康码 / No dependents yet")
        rows.forEach { row ->
            Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text("${row.maskedName}  ${row.maskedDocument}", style = MaterialTheme.typography.titleMedium)
                Text(listOfNotNull(row.color, row.relationship).joinToString(" · "))
                when (val stage = state.stage) {
                    is DependentsList.Stage.Confirming -> if (stage.codeId == row.codeId) {
                        Text("确定不再代领${row.maskedName}的穗康码？ / Stop holding ${row.maskedName}'s code?")
                        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                            Button(onClick = model::confirmRemoveDependent) { Text("确定移除 / Remove") }
                            TextButton(onClick = model::cancelRemoveDependent) { Text("取消 / Cancel") }
                        }
                    }
                    is DependentsList.Stage.Removing -> Unit
                    else -> OutlinedButton(onClick = { model.askToRemoveDependent(row.codeId) }) { Text("移除 / Remove") }
                }
                HorizontalDivider()
            }
        }
        when (val stage = state.stage) {
            is DependentsList.Stage.Removing -> Text("提交中… / Sending…")
            is DependentsList.Stage.Removed -> Text(
                if (stage.outcome == SubmitOutcome.QUEUED) "已保存，联网后提交 / Saved: sent when back online"
                else "已移除 / Removed",
            )
            is DependentsList.Stage.Failed -> Text(failureText(stage.kind, stage.error), color = MaterialTheme.colorScheme.error)
            else -> Unit
        }
        TextButton(onClick = model::backToHome) { Text("返回 / Back") }
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
        Text("加入申请 / Join requests", style = MaterialTheme.typography.titleLarge)
        val rows = state.rows(language)
        if (rows.isEmpty() && state.stage == JoinRequestsList.Stage.Ready) Text("没有待处理的申请 / No requests waiting")
        rows.forEach { row ->
            Column(
                Modifier.fillMaxWidth().testTag(joinRequestTag(row.requestId)),
                verticalArrangement = Arrangement.spacedBy(4.dp),
            ) {
                Text("${row.requester} → ${row.dependent}", style = MaterialTheme.typography.titleMedium)
                Text(row.relationship + if (row.coResidentDeclared) " · 共同居住 / lives with them" else "")
                Text(row.requestedAt, style = MaterialTheme.typography.labelMedium)
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Button(onClick = { model.approveJoinRequest(row.requestId) }, enabled = state.canDecide) { Text("同意 / Approve") }
                    OutlinedButton(onClick = { model.declineJoinRequest(row.requestId) }, enabled = state.canDecide) { Text("拒绝 / Decline") }
                }
                HorizontalDivider()
            }
        }
        when (val stage = state.stage) {
            JoinRequestsList.Stage.Loading -> Text("加载中… / Loading…")
            is JoinRequestsList.Stage.Deciding -> Text("提交中… / Sending…")
            is JoinRequestsList.Stage.Failed -> Text(failureText(stage.kind, stage.error), color = MaterialTheme.colorScheme.error)
            else -> state.lastDecision?.let {
                Text(if (it.decision == JoinDecision.APPROVED) "已同意 / Approved" else "已拒绝 / Declined")
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = model::refreshJoinRequests) { Text("刷新 / Refresh") }
            TextButton(onClick = model::backToHome) { Text("返回 / Back") }
        }
    }
}
