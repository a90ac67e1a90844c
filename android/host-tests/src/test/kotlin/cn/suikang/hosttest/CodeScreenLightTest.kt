package cn.suikang.hosttest

import cn.suikang.app.presentation.CodeScreenLight
import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.toHomeState
import cn.suikang.ffi.DocumentKind
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * A gate's scanner reads a bright, steady screen (issue 15): full
 * brightness and the screen kept on while a code is shown, the person's own
 * brightness given back after. The decision, on the desktop JVM; the Android
 * window and iOS's UIScreen only apply it.
 */
class CodeScreenLightTest {
    @TempDir lateinit var dir: Path

    /** Android's BRIGHTNESS_OVERRIDE_NONE: the window follows the system's brightness. */
    private val systemBrightness = -1f

    @Test
    fun `the screen is raised once while the code shows and given back as it was`() {
        val light = CodeScreenLight()
        assertNull(light.update(codeShown = false, brightness = 0.3f), "no code: nothing to change")

        assertEquals(CodeScreenLight.Change(1f, keepOn = true), light.update(codeShown = true, brightness = 0.3f))
        assertTrue(light.raised)
        // The arrows move to the next code: still shown, nothing changes, and the
        // raised brightness is never taken for the person's own.
        assertNull(light.update(codeShown = true, brightness = 1f))

        assertEquals(CodeScreenLight.Change(0.3f, keepOn = false), light.update(codeShown = false, brightness = 1f))
        assertFalse(light.raised)
        assertNull(light.update(codeShown = false, brightness = 0.3f), "given back once")

        // Shown again later: raised again, and given back to what it was then.
        assertEquals(CodeScreenLight.Change(1f, keepOn = true), light.update(codeShown = true, brightness = systemBrightness))
        assertEquals(CodeScreenLight.Change(systemBrightness, keepOn = false), light.update(codeShown = false, brightness = 1f))
    }

    @Test
    fun `only the code card in the foreground counts as a code shown`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            val adult = People.adult()
            app.login(adult.name, DocumentKind.RESIDENT_ID, adult.id)
            val noCode = app.screen().toHomeState(Language.ZH)
            assertTrue(noCode is HomeState.NoCode)
            assertFalse(CodeScreenLight.codeShown(noCode, onCodePage = true, inForeground = true), "no code yet")

            app.applySelf()
            val card = app.screen().toHomeState(Language.ZH)
            assertTrue(CodeScreenLight.codeShown(card, onCodePage = true, inForeground = true))
            assertFalse(CodeScreenLight.codeShown(card, onCodePage = false, inForeground = true), "a form over the card")
            assertFalse(CodeScreenLight.codeShown(card, onCodePage = true, inForeground = false), "the app in the background")

            app.logout()
            val signedOut = app.screen().toHomeState(Language.ZH)
            assertFalse(CodeScreenLight.codeShown(signedOut, onCodePage = true, inForeground = true), "signed out")
        }
    }
}
