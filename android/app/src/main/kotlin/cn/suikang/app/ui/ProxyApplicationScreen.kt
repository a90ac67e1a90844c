package cn.suikang.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.suikang.app.presentation.ProxyApplicationForm.Stage
import cn.suikang.ffi.DeviceReason
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.documentKindLabel
import cn.suikang.ffi.relationshipLabel

/** The district search field, as tests find it. */
const val DISTRICT_SEARCH_TAG = "district-search"

/** 代申领 (问题二): draws the form's state and forwards each edit and the tap. */
@Composable
fun ProxyApplicationScreen(model: AppViewModel) {
    val form = model.proxyForm
    val state by form.state.collectAsStateWithLifecycle()
    val fields = state.fields
    val language by model.language.collectAsStateWithLifecycle()
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text("代申领 / Apply for a dependent", style = MaterialTheme.typography.titleLarge)
        OutlinedTextField(fields.name, form::setName, label = { Text("姓名 / Name") }, singleLine = true)
        Text("证件 / Document", style = MaterialTheme.typography.labelLarge)
        DocumentKind.entries.forEach { kind ->
            Choice(documentKindLabel(kind, language.core), fields.documentKind == kind) { form.setDocumentKind(kind) }
        }
        OutlinedTextField(fields.number, form::setNumber, label = { Text("证件号码 / Document number") }, singleLine = true)
        Text("申领人 / Applying as", style = MaterialTheme.typography.labelLarge)
        Relationship.entries.forEach { relationship ->
            Choice(relationshipLabel(relationship, language.core), fields.relationship == relationship) { form.setRelationship(relationship) }
        }
        Row(
            Modifier.toggleable(fields.coResident, role = Role.Checkbox, onValueChange = form::setCoResident),
            verticalAlignment = Alignment.CenterVertically,
        ) {
            Checkbox(fields.coResident, onCheckedChange = null)
            Text("共同居住 / We live together")
        }
        // Aged 18–59: why they cannot use a smart device (问题二); the core's reasons, or the guardian's words.
        Text("无法使用智能手机的原因（18–59 岁需填）/ Why they cannot use a smartphone (aged 18–59)", style = MaterialTheme.typography.labelLarge)
        Choice("不需要（老人、儿童）/ Not needed (elder or child)", fields.reason == null) { form.setReason(null) }
        form.reasonChoices().forEach { choice ->
            Choice(choice.label, fields.reason == choice.reason) { form.setReason(choice.reason) }
        }
        val other = fields.reason as? DeviceReason.Other
        Choice("其他 / Other", other != null) { form.setReason(DeviceReason.Other(other?.text ?: "")) }
        if (other != null) {
            OutlinedTextField(other.text, { form.setReason(DeviceReason.Other(it)) }, label = { Text("原因 / Reason") }, singleLine = true)
        }
        // Where the dependent lives: its residents' committee decides who else may join (所在居村民委员会).
        OutlinedTextField(
            fields.districtQuery,
            form::searchDistrict,
            label = { Text("所在区 / District they live in") },
            singleLine = true,
            modifier = Modifier.testTag(DISTRICT_SEARCH_TAG),
        )
        state.districtChoices.take(8).forEach { choice ->
            Choice(choice.name, fields.district == choice) { form.chooseDistrict(choice) }
        }
        when (val stage = state.stage) {
            is Stage.Refused -> Text(failureText(stage.kind, stage.error), color = MaterialTheme.colorScheme.error)
            Stage.Submitting -> Text("提交中… / Sending…")
            else -> Unit
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = model::submitProxyApplication, enabled = state.canSubmit) { Text("提交 / Apply") }
            TextButton(onClick = model::backToHome) { Text("返回 / Back") }
        }
    }
}

/** One radio choice of a group, the whole row tappable. */
@Composable
fun Choice(label: String, selected: Boolean, onSelect: () -> Unit) {
    Row(
        Modifier.selectable(selected, role = Role.RadioButton, onClick = onSelect),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        RadioButton(selected, onClick = null)
        Text(label)
    }
}
