package cn.suikang.hosttest

import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.languageFor
import cn.suikang.app.presentation.toHomeState
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.documentKindLabel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.Locale
import cn.suikang.ffi.Language as CoreLanguage

/**
 * The core's texts in the residents' languages (issue 15): Simplified
 * Chinese, Traditional Chinese for visitors from Hong Kong, Macao and
 * Taiwan (来穗人员), English — chosen from the phone's locale.
 */
class LanguagesTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `Hong Kong, Macao and Taiwan locales read Traditional Chinese`() {
        for (tag in listOf("zh-HK", "zh-MO", "zh-TW", "zh-Hant", "zh-Hant-CN")) {
            assertEquals(Language.ZH_HANT, languageFor(Locale.forLanguageTag(tag)), tag)
        }
        assertEquals(Language.ZH_HANT, languageFor(Locale.TRADITIONAL_CHINESE))
        for (tag in listOf("zh-CN", "zh", "zh-SG", "zh-Hans-HK")) {
            assertEquals(Language.ZH, languageFor(Locale.forLanguageTag(tag)), tag)
        }
        for (tag in listOf("en-GB", "pt-MO", "fr")) {
            assertEquals(Language.EN, languageFor(Locale.forLanguageTag(tag)), tag)
        }
    }

    @Test
    fun `the code card and the checkpoint's verdict in each language`() = runBlocking<Unit> {
        Phone(dir).open().use { app ->
            val person = People.adult()
            app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            app.applySelf()
            val screen = app.screen()

            fun card(language: Language) = (screen.toHomeState(language) as HomeState.Code).card
            assertEquals("我的穗康碼", card(Language.ZH_HANT).title)
            assertEquals("藍碼 · 健康風險狀態正常", card(Language.ZH_HANT).status)
            assertEquals("我的穗康码", card(Language.ZH).title)
            assertEquals("蓝码 · 健康风险状态正常", card(Language.ZH).status)
            assertEquals("My Suikang code", card(Language.EN).title)

            val check = app.verify(screen.code().qrText)
            assertEquals("通行 · 藍碼", check.headlineZhHant)
            assertEquals("通行 · 蓝码", check.headlineZh)

            assertEquals("台灣居民來往大陸通行證", documentKindLabel(DocumentKind.TAIWAN_PERMIT, CoreLanguage.ZH_HANT))
            assertEquals("港澳居民来往内地通行证", documentKindLabel(DocumentKind.HK_MACAO_PERMIT, CoreLanguage.ZH_HANS))
            assertEquals("Passport", documentKindLabel(DocumentKind.PASSPORT, CoreLanguage.EN))
        }
    }
}
