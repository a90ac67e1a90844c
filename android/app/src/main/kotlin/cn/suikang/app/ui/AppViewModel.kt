package cn.suikang.app.ui

import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.viewModelScope
import cn.suikang.app.SuikangApplication
import cn.suikang.app.face.FaceCapture
import cn.suikang.app.face.VendorFaceVerifier
import cn.suikang.app.presentation.DeclarationForm
import cn.suikang.app.presentation.DependentsList
import cn.suikang.app.presentation.JoinRequestsList
import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.ProxyApplicationForm
import cn.suikang.app.presentation.languageFor
import cn.suikang.app.presentation.liveClock
import cn.suikang.app.presentation.screens
import cn.suikang.app.presentation.toHomeState
import cn.suikang.ffi.App
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.PageFormat
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.util.Locale

/** Which screen of the signed-in app shows. Navigation only: no rule. */
enum class Page { HOME, APPLY_PROXY, DECLARE, DEPENDENTS, JOIN_REQUESTS }

/**
 * Forwards taps to the core and exposes what it answers. Every decision —
 * which code shows, its colour, the banner, the arrows, whether a form's
 * input is valid — is the core's.
 */
class AppViewModel(
    private val app: App,
    val face: VendorFaceVerifier,
    private val faceCapture: FaceCapture,
    initialLanguage: Language = languageFor(Locale.getDefault()),
) : ViewModel() {
    /** The system locale's language at first (the core's choice); the person may switch. */
    val language = MutableStateFlow(initialLanguage)

    fun switchLanguage(to: Language) {
        language.value = to
    }

    val home: StateFlow<HomeState> = app.screens { failure.value = it }
        .combine(language) { screen, language -> screen.toHomeState(language) }
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), HomeState.NoCode(null))

    val clock: StateFlow<String?> = liveClock()
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(1_000), null)

    /** The last error, for a snackbar; the UI clears it once shown. */
    val failure = MutableStateFlow<SuikangException?>(null)
    val busy = MutableStateFlow(false)
    val page = MutableStateFlow(Page.HOME)

    /** 代申领: the guardian's form for a dependent. */
    val proxyForm = ProxyApplicationForm(app) { language.value }

    /** 健康申报: for one's own code or the dependent's on screen. */
    val declarationForm = DeclarationForm(app) { language.value }

    /** The dependents this guardian holds, with remove. */
    val dependents = DependentsList(app)

    /** Who asked to join this guardian's dependents' guardians. */
    val joinRequests = JoinRequestsList(app)

    private fun act(block: suspend App.() -> Unit) {
        viewModelScope.launch {
            busy.value = true
            try {
                // The core's calls do disk, crypto and network work: never on the UI thread.
                withContext(Dispatchers.IO) { app.block() }
            } catch (e: SuikangException) {
                failure.value = e
            } finally {
                busy.value = false
            }
        }
    }

    fun login(name: String, kind: DocumentKind, number: String) = act { login(name, kind, number) }
    fun applySelf() = act { applySelf() }
    fun next() = act { next() }
    fun previous() = act { previous() }
    fun logout() = act { logout() }

    /** "Start" in the face dialog: the build's capture answers the challenge. */
    fun startFaceCapture(capture: VendorFaceVerifier.Capture) {
        viewModelScope.launch {
            try {
                face.complete(capture, faceCapture.capture(capture.challenge))
            } catch (e: SuikangException) {
                face.fail(capture, e)
            }
        }
    }

    fun openProxyApplication() {
        proxyForm.reset()
        page.value = Page.APPLY_PROXY
    }

    /** The dependent's code is behind the arrows once applied for. */
    fun submitProxyApplication() {
        viewModelScope.launch {
            proxyForm.submit()
            if (proxyForm.state.value.stage is ProxyApplicationForm.Stage.Applied) {
                proxyForm.reset()
                page.value = Page.HOME
            }
        }
    }

    /** [codeId] null: one's own code. */
    fun openDeclaration(codeId: String?) {
        declarationForm.start(codeId)
        page.value = Page.DECLARE
    }

    fun submitDeclaration() {
        viewModelScope.launch {
            declarationForm.submit()
            if (declarationForm.state.value.stage is DeclarationForm.Stage.Sent) page.value = Page.HOME
        }
    }

    /** [removing]: the card's remove button, asked once more on the list. */
    fun openDependents(removing: String? = null) {
        page.value = Page.DEPENDENTS
        viewModelScope.launch {
            dependents.load()
            removing?.let(dependents::askToRemove)
        }
    }

    fun askToRemoveDependent(codeId: String) = dependents.askToRemove(codeId)
    fun cancelRemoveDependent() = dependents.cancel()
    fun confirmRemoveDependent() {
        viewModelScope.launch { dependents.confirmRemove() }
    }

    fun openJoinRequests() {
        page.value = Page.JOIN_REQUESTS
        viewModelScope.launch { joinRequests.refresh() }
    }

    fun refreshJoinRequests() {
        viewModelScope.launch { joinRequests.refresh() }
    }

    fun approveJoinRequest(requestId: String) {
        viewModelScope.launch { joinRequests.approve(requestId) }
    }

    fun declineJoinRequest(requestId: String) {
        viewModelScope.launch { joinRequests.decline(requestId) }
    }

    fun backToHome() {
        page.value = Page.HOME
    }

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
                AppViewModel(application.app, application.faceVerifier, application.faceCapture) as T
        }
    }
}
