package cn.suikang.hosttest

import cn.suikang.app.presentation.Argb
import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.liveClock
import cn.suikang.app.presentation.screens
import cn.suikang.app.presentation.toHomeState
import cn.suikang.ffi.App
import cn.suikang.ffi.CodeRole
import cn.suikang.ffi.CodeScreen
import cn.suikang.ffi.Color
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.PageFormat
import cn.suikang.ffi.ProxyApplication
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.Screen
import cn.suikang.ffi.ScreenAction
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.Symptom
import cn.suikang.ffi.Verdict
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import cn.suikang.ffi.SuikangException
import org.junit.jupiter.api.io.TempDir
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.nio.file.Path
import javax.imageio.ImageIO

fun Screen.code(): CodeScreen = (this as? Screen.Code)?.code ?: error("expected a code screen, got $this")

/** A resident and a guardian (问题二, 问题五) through the Kotlin API. */
class ResidentAndGuardianTest {
    @TempDir lateinit var dir: Path

    private suspend fun signedInWithCode(app: App, person: Person) {
        val session = app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
        assertEquals("张*明", session.maskedName)
        assertTrue(app.screen() is Screen.NoCode, "signed in, no code yet")
        val applied = app.applySelf()
        assertEquals(Color.BLUE, applied.color)
    }

    @Test
    fun `a resident signs in with a face check and shows a blue code that a checkpoint passes`() = runBlocking<Unit> {
        val phone = Phone(dir)
        phone.open().use { app ->
            assertTrue(app.screen() is Screen.SignedOut)
            signedInWithCode(app, People.adult())
            assertEquals(1, phone.face.calls, "one face check through the Kotlin FaceVerifier")

            val code = app.screen().code()
            assertEquals(CodeRole.OWN, code.role)
            assertEquals(Color.BLUE, code.color)
            assertEquals(code.qr.size * code.qr.size, code.qr.modules.size.toUInt())
            assertFalse(code.hasPrevious || code.hasNext)
            assertFalse(ScreenAction.PRINT in code.actions)
            val status = app.status()
            assertTrue(status.signedIn)
            assertEquals("张*明", status.session?.maskedName)

            // The checkpoint: the QR text, then a photo of the drawn matrix.
            val check = app.verify(code.qrText)
            assertEquals(Verdict.PASS, check.verdict)
            assertEquals(Color.BLUE, check.color)
            assertEquals(code.maskedName, check.maskedName)
            val photo = app.verifyImage(drawPng(code, scale = 6))
            assertEquals(Verdict.PASS, photo.verdict)
            // Online, as a checkpoint account (DESIGN §2): its token, not the resident's session.
            val online = app.verifyOnline(code.qrText, TestServer.checkpointToken)
            assertTrue(online.valid)
            assertEquals(Color.BLUE, online.currentColor)
            assertFalse(online.stopNow)
            assertThrows<SuikangException.CheckpointTokenRefused> {
                runBlocking { app.verifyOnline(code.qrText, "skt_nobody-was-given-this") }
            }

            val forged = app.verify(code.qrText.dropLast(4) + "AAAA")
            assertEquals(Verdict.INVALID, forged.verdict)
            assertTrue(forged.refusal != null)
        }
    }

    @Test
    fun `a guardian switches between dependents with the arrows and prints a dependent's page`() = runBlocking<Unit> {
        val phone = Phone(dir)
        phone.open().use { app ->
            signedInWithCode(app, People.adult())
            val grandmother = People.grandmother()
            val child = People.child()
            val first = app.applyProxy(ProxyApplication(grandmother.name, DocumentKind.RESIDENT_ID, grandmother.id, Relationship.ADULT_RELATIVE, true))
            assertEquals(Color.GREEN, first.color)
            app.applyProxy(ProxyApplication(child.name, DocumentKind.RESIDENT_ID, child.id, Relationship.ADULT_RELATIVE, true))

            val codes = app.codes()
            assertEquals(listOf(CodeRole.OWN, CodeRole.DEPENDENT, CodeRole.DEPENDENT), codes.map { it.role })

            val own = app.screen().code()
            assertEquals(0u, own.index)
            assertEquals(3u, own.count)
            val second = app.next().code()
            assertEquals(1u, second.index)
            assertEquals(Color.GREEN, second.color)
            assertTrue(second.hasPrevious && second.hasNext)
            assertTrue(ScreenAction.PRINT in second.actions)
            val third = app.next().code()
            assertFalse(third.hasNext)
            assertEquals(third.codeId, app.next().code().codeId, "the arrows stop at the ends")
            assertEquals(second.codeId, app.previous().code().codeId)
            assertEquals(own.codeId, app.select(own.codeId).code().codeId)

            // What Compose draws for the dependent's card.
            val card = (app.select(second.codeId).toHomeState(Language.ZH) as HomeState.Code).card
            assertEquals("2 / 3", card.position)
            assertTrue(card.title.contains("李*英"))
            assertTrue(card.canPrint && card.canRemove && card.showPrevious && card.showNext)
            assertEquals(Argb.of(second.colors.card), card.cardColor)
            assertEquals(0xff, card.cardColor.alpha)
            assertEquals(second.qr.size.toInt(), card.qr.size)
            val dark = (0 until card.qr.size).sumOf { y -> (0 until card.qr.size).count { x -> card.qr.isDark(x, y) } }
            assertEquals(card.qr.darkRuns().sumOf { it.length }, dark)

            // 打印版: three formats of the dependent's page; the paper verifies.
            // The app passes its own fonts (a phone's CJK system font; here the
            // repository's subset font), so the test needs no CJK font installed.
            val fonts = listOf(java.io.File("../../fonts/fixtures/NotoSansSC-page.otf").readBytes())
            val png = app.printWithFonts(second.codeId, PageFormat.PNG, fonts)
            assertArrayEquals(byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte()), png.copyOf(4))
            val scanned = app.verifyImage(png)
            assertEquals(Verdict.PASS, scanned.verdict)
            assertTrue(scanned.printed)
            assertTrue(String(app.print(second.codeId, PageFormat.SVG)).contains("<svg"))
            assertEquals("%PDF", String(app.printWithFonts(second.codeId, PageFormat.PDF, fonts).copyOf(4)))

            // A declaration for a dependent, then removing the other.
            assertEquals(SubmitOutcome.DELIVERED, app.declare(second.codeId, listOf(Symptom.COUGH), null))
            assertEquals(SubmitOutcome.DELIVERED, app.removeDependent(third.codeId))
            assertEquals(2, app.codes().size)
        }
    }

    @Test
    fun `the screen flow follows syncs and arrows, and stops when collection ends`() = runBlocking<Unit> {
        val phone = Phone(dir)
        phone.open().use { app ->
            signedInWithCode(app, People.adult())
            val grandmother = People.grandmother()
            app.applyProxy(ProxyApplication(grandmother.name, DocumentKind.RESIDENT_ID, grandmother.id, Relationship.ADULT_RELATIVE, true))
            app.select(app.codes().first().codeId)

            withTimeout(10_000) {
                val first = app.screens().first()
                assertEquals(0u, first.code().index)
            }
            // An arrow tapped while the flow is collected shows up in it.
            val seen = withTimeout(10_000) {
                coroutineScope {
                    val firstShown = CompletableDeferred<Unit>()
                    val collected = async {
                        app.screens()
                            .filter { it is Screen.Code }
                            .onEach { firstShown.complete(Unit) }
                            .take(2)
                            .toList()
                    }
                    firstShown.await()
                    app.next()
                    collected.await()
                }
            }
            assertNotEquals(seen[0].code().index, seen[1].code().index)

            val ticks = withTimeout(5_000) { liveClock().take(2).toList() }
            assertNotEquals(ticks[0], ticks[1], "the live clock ticks each second")
            assertTrue(Regex("""\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}""").matches(ticks[0]))
        }
    }

    @Test
    fun `a subscription handle stops on cancel`() = runBlocking<Unit> {
        val phone = Phone(dir)
        phone.open().use { app ->
            val screens = java.util.concurrent.LinkedBlockingQueue<Screen>()
            val handle = app.subscribe(object : cn.suikang.ffi.ScreenListener {
                override fun onScreen(screen: Screen) { screens.add(screen) }
                override fun onError(error: cn.suikang.ffi.SuikangException) {}
            })
            assertTrue(screens.poll(10, java.util.concurrent.TimeUnit.SECONDS) is Screen.SignedOut)
            handle.cancel()
            assertTrue(handle.isCancelled())
            handle.close()
            signedInWithCode(app, People.adult())
            assertNull(screens.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS), "no screen after cancel")
        }
    }
}

/** Draws a code screen's matrix as a native UI does: quiet zone, modules. */
fun drawPng(code: CodeScreen, scale: Int): ByteArray {
    val size = code.qr.size.toInt()
    val quiet = code.qr.quietZone.toInt()
    val side = (size + 2 * quiet) * scale
    val image = BufferedImage(side, side, BufferedImage.TYPE_INT_RGB)
    for (py in 0 until side) for (px in 0 until side) {
        val x = px / scale - quiet
        val y = py / scale - quiet
        val dark = x in 0 until size && y in 0 until size && code.qr.modules[y * size + x].toInt() == 1
        image.setRGB(px, py, if (dark) 0x000000 else 0xffffff)
    }
    return ByteArrayOutputStream().also { ImageIO.write(image, "png", it) }.toByteArray()
}
