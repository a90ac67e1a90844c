package cn.suikang.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
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
import cn.suikang.app.presentation.DeclarationForm.Stage
import cn.suikang.ffi.Symptom
import cn.suikang.ffi.symptomLabel

/** 健康申报: draws the declaration's state and forwards ticks, text and the tap. */
@Composable
fun DeclarationScreen(model: AppViewModel) {
    val form = model.declarationForm
    val state by form.state.collectAsStateWithLifecycle()
    val fields = state.fields
    val language by model.language.collectAsStateWithLifecycle()
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        Text(language.text(UiText.HEALTH_DECLARATION), style = MaterialTheme.typography.titleLarge)
        Text(language.text(UiText.SYMPTOMS), style = MaterialTheme.typography.labelLarge)
        Symptom.entries.forEach { symptom ->
            Tick(symptomLabel(symptom, language.core), symptom in fields.symptoms) { form.toggle(symptom) }
        }
        Tick(language.text(UiText.ARRIVED_FROM_KEY_AREA), fields.travelled, form::setTravelled)
        if (fields.travelled) {
            OutlinedTextField(fields.area, form::setArea, label = { Text(language.text(UiText.KEY_AREA)) }, singleLine = true)
            OutlinedTextField(fields.arrivedOn, form::setArrivedOn, label = { Text(language.text(UiText.ARRIVED_ON)) }, singleLine = true)
            OutlinedTextField(
                fields.districtQuery,
                form::searchDistrict,
                label = { Text(language.text(UiText.DISTRICT_ARRIVED_IN)) },
                singleLine = true,
                modifier = Modifier.testTag(DECLARATION_DISTRICT_TAG),
            )
            state.districtChoices.take(8).forEach { choice ->
                Choice(choice.name, fields.district == choice.code) { form.chooseDistrict(choice) }
            }
        }
        when (val stage = state.stage) {
            is Stage.Refused -> Text(failureText(stage.kind, stage.error, language), color = MaterialTheme.colorScheme.error)
            Stage.Submitting -> Text(language.text(UiText.SENDING))
            else -> Unit
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = model::submitDeclaration, enabled = state.canSubmit) { Text(language.text(UiText.SUBMIT_DECLARATION)) }
            TextButton(onClick = model::backToHome) { Text(language.text(UiText.BACK)) }
        }
    }
}

/** The declaration's district search field, as tests find it. */
const val DECLARATION_DISTRICT_TAG = "declaration-district-search"

/** A checkbox with its label, the whole row tappable. */
@Composable
fun Tick(label: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(
        Modifier.toggleable(checked, role = Role.Checkbox, onValueChange = onChange),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Checkbox(checked, onCheckedChange = null)
        Text(label)
    }
}
