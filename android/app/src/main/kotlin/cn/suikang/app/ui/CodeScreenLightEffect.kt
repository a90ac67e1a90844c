package cn.suikang.app.ui

import android.app.Activity
import android.content.Context
import android.content.ContextWrapper
import android.view.Window
import android.view.WindowManager
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.platform.LocalContext
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.compose.LocalLifecycleOwner
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.suikang.app.presentation.CodeScreenLight

/**
 * Full brightness and the screen kept on while the code card shows, the
 * window as it was when it goes (a form opens, the person signs out, the
 * app leaves the foreground). When is [CodeScreenLight]'s decision; this
 * only applies it to the activity's window.
 */
@Composable
fun CodeScreenLightEffect(model: AppViewModel) {
    val window = LocalContext.current.activity()?.window ?: return
    val home by model.home.collectAsStateWithLifecycle()
    val page by model.page.collectAsStateWithLifecycle()
    // Collected without the lifecycle's pause: leaving the foreground is what it must see.
    val lifecycle by LocalLifecycleOwner.current.lifecycle.currentStateFlow.collectAsState()
    val light = remember { CodeScreenLight() }
    val shown = CodeScreenLight.codeShown(home, page == Page.HOME, lifecycle.isAtLeast(Lifecycle.State.STARTED))
    DisposableEffect(shown, window) {
        light.update(shown, window.attributes.screenBrightness)?.let(window::apply)
        onDispose { light.update(false, window.attributes.screenBrightness)?.let(window::apply) }
    }
}

private fun Window.apply(change: CodeScreenLight.Change) {
    attributes = attributes.apply { screenBrightness = change.brightness }
    if (change.keepOn) addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
    else clearFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
}

private tailrec fun Context.activity(): Activity? = when (this) {
    is Activity -> this
    is ContextWrapper -> baseContext.activity()
    else -> null
}
