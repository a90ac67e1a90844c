package cn.suikang.hosttest

import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.toHomeState
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.PageFormat
import cn.suikang.ffi.ProxyApplication
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.clockText
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * The card says until when the code shown works without the network
 * (离线有效至 …) and, for a guardian's dependent, until when the page printed
 * on this phone is accepted: the core's words in the person's language.
 */
class CardValidityTest {
    @TempDir lateinit var dir: Path

    private fun HomeState.card() = (this as HomeState.Code).card

    @Test
    fun `the card says until when it works offline, and a printed page's end once printed`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            val adult = People.adult()
            app.login(adult.name, DocumentKind.RESIDENT_ID, adult.id)
            app.applySelf()
            val own = app.screen().code()
            // Beijing time to the minute, as the core writes every time on the card.
            val until = clockText(own.credentialExpiresAt!!).take(16)
            val line = app.screen().toHomeState(Language.ZH).card().offlineValidity!!
            assertEquals("离线有效至 $until", line.text)
            assertFalse(line.ended)
            assertEquals("離線有效至 $until", app.screen().toHomeState(Language.ZH_HANT).card().offlineValidity!!.text)
            assertEquals("Valid offline until $until", app.screen().toHomeState(Language.EN).card().offlineValidity!!.text)
            assertNull(app.screen().toHomeState(Language.ZH).card().printedValidity, "one's own code is not printed")

            val grandmother = People.grandmother()
            app.applyProxy(ProxyApplication(grandmother.name, DocumentKind.RESIDENT_ID, grandmother.id, Relationship.ADULT_RELATIVE, true))
            val dependent = app.next().code()
            assertNull(dependent.printedValidity, "nothing printed yet")
            app.print(dependent.codeId, PageFormat.SVG)
            val printed = app.screen().code().printedValidity!!
            assertFalse(printed.ended)
            val pageUntil = clockText(printed.until).take(16)
            assertEquals("打印版有效至 $pageUntil，到期前请重新打印", printed.zh)
            assertEquals(
                "Printed page valid until $pageUntil: print a new one by then",
                app.screen().toHomeState(Language.EN).card().printedValidity!!.text,
            )
        }
    }
}
