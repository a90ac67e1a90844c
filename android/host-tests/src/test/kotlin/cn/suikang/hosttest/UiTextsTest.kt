package cn.suikang.hosttest

import cn.suikang.app.presentation.FailureKind
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.failureText
import cn.suikang.app.presentation.ownName
import cn.suikang.app.presentation.text
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.UiText
import cn.suikang.ffi.removeDependentQuestion
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The screens' own words come from the core (issue 15): every title, label
 * and button in Simplified Chinese, Traditional Chinese (Hong Kong, Macao
 * and Taiwan visitors) and English — none left to Kotlin or Swift.
 */
class UiTextsTest {
    /** Characters written differently in Traditional Chinese, as they occur in the apps' words. */
    private val simplifiedOnly = "码领证号识别录请开认败数过获还报状从点区达这择选检载处绝时网络联儿岁们".toSet()

    @Test
    fun `every screen text reads in all three languages`() {
        for (text in UiText.entries) {
            for (language in Language.entries) {
                assertTrue(language.text(text).isNotBlank(), "$text in $language")
            }
            assertFalse(language(Language.EN, text).any { it in '\u4e00'..'\u9fff' }, "$text in English")
        }
    }

    @Test
    fun `Traditional Chinese differs from Simplified wherever the characters do`() {
        for (text in UiText.entries) {
            val hans = Language.ZH.text(text)
            val hant = Language.ZH_HANT.text(text)
            assertFalse(hant.any { it in simplifiedOnly }, "$text: $hant is not Traditional")
            if (hans.any { it in simplifiedOnly }) assertNotEquals(hans, hant, "$text")
        }
        // What a visitor from Hong Kong reads on the code screen and the sign-in form.
        assertEquals("還沒有穗康碼", Language.ZH_HANT.text(UiText.NO_CODE_YET))
        assertEquals("人臉識別登入", Language.ZH_HANT.text(UiText.SIGN_IN_WITH_FACE_CHECK))
        assertEquals("还没有穗康码", Language.ZH.text(UiText.NO_CODE_YET))
        assertEquals("No code yet", Language.EN.text(UiText.NO_CODE_YET))
        assertEquals("確定不再代領李*英的穗康碼？", removeDependentQuestion("李*英", Language.ZH_HANT.core))
    }

    @Test
    fun `the language switch names each language in itself and errors read in the person's language`() {
        assertEquals(listOf("简体", "繁體", "EN"), Language.entries.map { it.ownName })
        val offline = SuikangException.NetworkUnavailable()
        assertEquals("網絡不可用", failureText(FailureKind.OFFLINE, offline, Language.ZH_HANT))
        assertEquals("No network", failureText(FailureKind.OFFLINE, offline, Language.EN))
    }

    private fun language(language: Language, text: UiText) = language.text(text)
}
