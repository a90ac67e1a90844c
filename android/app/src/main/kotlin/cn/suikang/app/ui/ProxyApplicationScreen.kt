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
import cn.suikang.ffi.UiText
import cn.suikang.app.presentation.failureText
import cn.suikang.app.presentation.text
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
        Text(language.text(UiText.APPLY_FOR_DEPENDENT), style = MaterialTheme.typography.titleLarge)
        OutlinedTextField(fields.name, form::setName, label = { Text(language.text(UiText.NAME)) }, singleLine = true)
        Text(language.text(UiText.DOCUMENT), style = MaterialTheme.typography.labelLarge)
        DocumentKind.entries.forEach { kind ->
            Choice(documentKindLabel(kind, language.core), fields.documentKind == kind) { form.setDocumentKind(kind) }
        }
        OutlinedTextField(fields.number, form::setNumber, label = { Text(language.text(UiText.DOCUMENT_NUMBER)) }, singleLine = true)
        Text(language.text(UiText.APPLYING_AS), style = MaterialTheme.typography.labelLarge)
        Relationship.entries.forEach { relationship ->
            Choice(relationshipLabel(relationship, language.core), fields.relationship == relationship) { form.setRelationship(relationship) }
        }
        Row(
            Modifier.toggleable(fields.coResident, role = Role.Checkbox, onValueChange = form::setCoResident),
            verticalAlignment = Alignment.CenterVertically,
        ) {
            Checkbox(fields.coResident, onCheckedChange = null)
            Text(language.text(UiText.LIVE_TOGETHER))
        }
        // Aged 18–59: why they cannot use a smart device (问题二); the core's reasons, or the guardian's words.
        Text(language.text(UiText.DEVICE_REASON_QUESTION), style = MaterialTheme.typography.labelLarge)
        Choice(language.text(UiText.DEVICE_REASON_NOT_NEEDED), fields.reason == null) { form.setReason(null) }
        form.reasonChoices().forEach { choice ->
            Choice(choice.label, fields.reason == choice.reason) { form.setReason(choice.reason) }
        }
        val other = fields.reason as? DeviceReason.Other
        Choice(language.text(UiText.DEVICE_REASON_OTHER), other != null) { form.setReason(DeviceReason.Other(other?.text ?: "")) }
        if (other != null) {
            OutlinedTextField(other.text, { form.setReason(DeviceReason.Other(it)) }, label = { Text(language.text(UiText.DEVICE_REASON_IN_OWN_WORDS)) }, singleLine = true)
        }
        // Where the dependent lives: its residents' committee decides who else may join (所在居村民委员会).
        OutlinedTextField(
            fields.districtQuery,
            form::searchDistrict,
            label = { Text(language.text(UiText.RESIDENCE_DISTRICT)) },
            singleLine = true,
            modifier = Modifier.testTag(DISTRICT_SEARCH_TAG),
        )
        state.districtChoices.take(8).forEach { choice ->
            Choice(choice.name, fields.district == choice) { form.chooseDistrict(choice) }
        }
        when (val stage = state.stage) {
            is Stage.Refused -> Text(failureText(stage.kind, stage.error, language), color = MaterialTheme.colorScheme.error)
            Stage.Submitting -> Text(language.text(UiText.SENDING))
            else -> Unit
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = model::submitProxyApplication, enabled = state.canSubmit) { Text(language.text(UiText.SUBMIT_APPLICATION)) }
            TextButton(onClick = model::backToHome) { Text(language.text(UiText.BACK)) }
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
