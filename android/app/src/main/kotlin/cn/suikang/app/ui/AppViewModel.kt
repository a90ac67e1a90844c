package cn.suikang.app.ui

import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.viewModelScope
import cn.suikang.app.SuikangApplication
import cn.suikang.app.face.VendorFaceVerifier
import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.liveClock
import cn.suikang.app.presentation.screens
import cn.suikang.app.presentation.toHomeState
import cn.suikang.ffi.App
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.PageFormat
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import java.util.Locale

/**
 * Forwards taps to the core and exposes what it answers. Every decision —
 * which code shows, its colour, the banner, the arrows — is the core's.
 */
class AppViewModel(private val app: App, val face: VendorFaceVerifier) : ViewModel() {
    private val language = if (Locale.getDefault().language == "zh") Language.ZH else Language.EN

    val home: StateFlow<HomeState> = app.screens { failure.value = it }
        .map { it.toHomeState(language) }
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), HomeState.NoCode(null))

    val clock: StateFlow<String?> = liveClock()
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(1_000), null)

    /** The last error, for a snackbar; the UI clears it once shown. */
    val failure = MutableStateFlow<SuikangException?>(null)
    val busy = MutableStateFlow(false)

    private fun act(block: suspend App.() -> Unit) {
        viewModelScope.launch {
            busy.value = true
            try {
                app.block()
            } catch (e: SuikangException) {
                failure.value = e
            } finally {
                busy.value = false
            }
        }
    }

    fun login(name: String, kind: DocumentKind, number: String) = act { login(name, kind, number) }
    fun applySelf() = act { applySelf() }
    fun applyProxy(name: String, kind: DocumentKind, number: String, relationship: Relationship, coResident: Boolean) =
        act { applyProxy(name, kind, number, relationship, coResident) }
    fun next() = act { next() }
    fun previous() = act { previous() }
    fun removeDependent(codeId: String) = act { removeDependent(codeId) }
    fun logout() = act { logout() }

    /** A sync whose failure the banner already shows (offline, stale). */
    fun syncQuietly() {
        viewModelScope.launch { runCatching { app.sync() } }
    }

    /** The dependent's printed page, for the printer or a share sheet. */
    fun printedPage(codeId: String, format: PageFormat, then: (ByteArray) -> Unit) = act {
        then(print(codeId, format))
    }

    companion object {
        fun factory(application: SuikangApplication) = object : ViewModelProvider.Factory {
            @Suppress("UNCHECKED_CAST")
            override fun <T : ViewModel> create(modelClass: Class<T>): T =
                AppViewModel(application.app, application.faceVerifier) as T
        }
    }
}
