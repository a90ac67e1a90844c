package cn.suikang.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.suikang.ffi.UiText
import cn.suikang.app.presentation.text
import cn.suikang.app.presentation.BannerState
import cn.suikang.app.presentation.kind
import cn.suikang.app.presentation.failureText
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.documentKindLabel

/** 实名认证: name, document (any kind: visitors sign in with a passport or permit), then the vendor's face check (人脸识别). */
@Composable
fun LoginScreen(model: AppViewModel, banner: BannerState?) {
    var name by remember { mutableStateOf("") }
    var kind by remember { mutableStateOf(DocumentKind.RESIDENT_ID) }
    var number by remember { mutableStateOf("") }
    val busy by model.busy.collectAsStateWithLifecycle()
    val failure by model.failure.collectAsStateWithLifecycle()
    val capture by model.face.pending.collectAsStateWithLifecycle()
    val language by model.language.collectAsStateWithLifecycle()

    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        LanguageSwitch(model)
        Banner(banner)
        Text(language.text(UiText.SIGN_IN_TITLE), style = MaterialTheme.typography.titleLarge)
        OutlinedTextField(name, { name = it }, label = { Text(language.text(UiText.NAME)) }, singleLine = true)
        Text(language.text(UiText.DOCUMENT), style = MaterialTheme.typography.labelLarge)
        DocumentKind.entries.forEach { k ->
            Choice(documentKindLabel(k, language.core), kind == k) { kind = k }
        }
        OutlinedTextField(number, { number = it }, label = { Text(language.text(UiText.DOCUMENT_NUMBER)) }, singleLine = true)
        Button(onClick = { model.login(name, kind, number) }, enabled = !busy) {
            Text(language.text(UiText.SIGN_IN_WITH_FACE_CHECK))
        }
        // The kind decides the hint; the core's error decides the kind.
        failure?.let { e -> Text(failureText(e.kind(), e, language)) }
    }

    // The handoff to the vendor SDK: see VendorFaceVerifier ("VENDOR SDK PLUGS IN HERE").
    capture?.let { c ->
        AlertDialog(
            onDismissRequest = { model.face.cancel(c) },
            title = { Text(language.text(UiText.FACE_CHECK_TITLE)) },
            text = { Text(language.text(UiText.FACE_CHECK_INSTRUCTIONS) + c.challenge.livenessActions.joinToString("、")) },
            confirmButton = {
                // The build's capture: the server's simulator in debug, the vendor SDK in release.
                TextButton(onClick = { model.startFaceCapture(c) }) { Text(language.text(UiText.START)) }
            },
            dismissButton = { TextButton(onClick = { model.face.cancel(c) }) { Text(language.text(UiText.CANCEL)) } },
        )
    }
}
