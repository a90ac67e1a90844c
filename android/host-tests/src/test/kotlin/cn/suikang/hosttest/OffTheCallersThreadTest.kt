package cn.suikang.hosttest

import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.Verdict
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.Executors

/**
 * The core's work never runs on the thread that calls it (issue 15): the
 * app calls from Android's Main dispatcher, which must keep drawing while
 * the core signs a screen or decodes a camera frame.
 *
 * The "Main thread" here is a single-threaded dispatcher with a ticker
 * coroutine on it that counts whenever the thread is free. If a call ran
 * its work on the calling thread, its answer would come back before the
 * ticker could run once; run elsewhere, the ticker keeps ticking while the
 * call is in flight. No clock is read: the test counts turns of the thread.
 */
class OffTheCallersThreadTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `screen() and verify_image() of a large photo leave the calling thread free`() {
        Phone(dir).open().use { app ->
            val code = runBlocking {
                val person = People.adult()
                app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
                app.applySelf()
                app.screen().code()
            }
            // A phone camera's still: the code drawn ~2,000 px wide.
            val photo = drawPng(code, scale = 40)

            Executors.newSingleThreadExecutor { Thread(it, "main-ui") }.asCoroutineDispatcher().use { main ->
                runBlocking(main) {
                    var ticks = 0
                    val ticker = launch {
                        while (true) {
                            ticks++
                            yield()
                        }
                    }
                    yield()

                    var ticksDuringScreens = 0
                    repeat(20) {
                        val before = ticks
                        val screen = app.screen().code()
                        ticksDuringScreens += ticks - before
                        assertEquals(code.codeId, screen.codeId)
                    }

                    val before = ticks
                    val check = app.verifyImage(photo)
                    val ticksDuringVerify = ticks - before
                    ticker.cancelAndJoin()

                    assertEquals(Verdict.PASS, check.verdict, "the photo of the code passes")
                    assertTrue(
                        ticksDuringVerify > 0,
                        "the calling thread stayed blocked while verify_image() decoded the photo",
                    )
                    assertTrue(
                        ticksDuringScreens > 0,
                        "the calling thread stayed blocked through 20 screen() calls",
                    )
                    println("ticks on the calling thread: $ticksDuringVerify during verify_image(), $ticksDuringScreens during 20 screen()")
                }
            }
        }
    }
}
