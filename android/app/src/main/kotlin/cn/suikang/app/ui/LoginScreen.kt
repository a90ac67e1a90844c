package cn.suikang.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.AlertDialog
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
import cn.suikang.app.presentation.BannerState
import cn.suikang.app.presentation.kind
import cn.suikang.app.presentation.FailureKind
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.SuikangException

/** 实名认证: name and ID number, then the vendor's face check (人脸识别). */
@Composable
fun LoginScreen(model: AppViewModel, banner: BannerState?) {
    var name by remember { mutableStateOf("") }
    var number by remember { mutableStateOf("") }
    val busy by model.busy.collectAsStateWithLifecycle()
    val failure by model.failure.collectAsStateWithLifecycle()
    val capture by model.face.pending.collectAsStateWithLifecycle()

    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Banner(banner)
        Text("穗康码 · 实名认证")
        OutlinedTextField(name, { name = it }, label = { Text("姓名 / Name") }, singleLine = true)
        OutlinedTextField(number, { number = it }, label = { Text("身份证号 / ID number") }, singleLine = true)
        Button(onClick = { model.login(name, DocumentKind.RESIDENT_ID, number) }, enabled = !busy) {
            Text("人脸识别登录 / Sign in with face check")
        }
        // The kind decides the hint; the core's error decides the kind.
        failure?.let { e -> Text(failureText(e.kind(), e)) }
    }

    // The handoff to the vendor SDK: see VendorFaceVerifier ("VENDOR SDK PLUGS IN HERE").
    capture?.let { c ->
        AlertDialog(
            onDismissRequest = { model.face.cancel(c) },
            title = { Text("人脸识别") },
            text = { Text("请按提示完成动作：${c.challenge.livenessActions.joinToString("、")}") },
            confirmButton = {
                // The build's capture: the server's simulator in debug, the vendor SDK in release.
                TextButton(onClick = { model.startFaceCapture(c) }) { Text("开始 / Start") }
            },
            dismissButton = { TextButton(onClick = { model.face.cancel(c) }) { Text("取消 / Cancel") } },
        )
    }
}

/** What a screen says for an error: by its kind, which the core's error decides. */
fun failureText(kind: FailureKind, e: SuikangException): String = when {
    e is SuikangException.UnknownDistrict -> "没有这个区，请从列表中选择 / No such district: pick one from the list"
    else -> failureKindText(kind, e)
}

private fun failureKindText(kind: FailureKind, e: SuikangException): String = when (kind) {
    FailureKind.FIX_INPUT -> "请检查姓名和证件号码 / Check the name and number"
    FailureKind.TRY_FACE_AGAIN -> "人脸识别未通过，请重试 / Face check failed, try again"
    FailureKind.WAIT -> "失败次数过多，请稍后再试 / Too many attempts, try later"
    FailureKind.OFFLINE -> "网络不可用 / No network"
    FailureKind.REFUSED -> "未获受理 / Refused: ${e.message ?: ""}"
    else -> e.message ?: ""
}
