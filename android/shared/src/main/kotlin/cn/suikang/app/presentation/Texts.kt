package cn.suikang.app.presentation

import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.UiText
import cn.suikang.ffi.languageName
import cn.suikang.ffi.uiText

/**
 * The screens' words in the person's language, from the core (issue 15):
 * Kotlin holds no text of its own, so Android, iOS and the tests read the
 * same words.
 */
fun Language.text(text: UiText): String = uiText(text, core)

/** The language's own name (简体, 繁體, EN) for the switch. */
val Language.ownName: String get() = languageName(core)

/** What a screen says for an error: by its kind, which the core's error decides. */
fun failureText(kind: FailureKind, e: SuikangException, language: Language): String = when {
    e is SuikangException.UnknownDistrict -> language.text(UiText.UNKNOWN_DISTRICT_PICK_FROM_LIST)
    else -> when (kind) {
        FailureKind.FIX_INPUT -> language.text(UiText.CHECK_NAME_AND_NUMBER)
        FailureKind.TRY_FACE_AGAIN -> language.text(UiText.FACE_CHECK_FAILED_TRY_AGAIN)
        FailureKind.WAIT -> language.text(UiText.TOO_MANY_ATTEMPTS_WAIT)
        FailureKind.SIGN_IN_AGAIN -> language.text(UiText.SIGN_IN_AGAIN)
        FailureKind.OFFLINE -> language.text(UiText.NO_NETWORK)
        // The server's own reason (a code, never personal data) after the word.
        FailureKind.REFUSED -> language.text(UiText.REFUSED) + (e.message?.takeIf { it.isNotBlank() }?.let { ": $it" } ?: "")
        FailureKind.PHONE -> e.message ?: ""
    }
}
