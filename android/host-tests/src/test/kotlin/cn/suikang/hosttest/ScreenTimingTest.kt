package cn.suikang.hosttest

import cn.suikang.ffi.DocumentKind
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * The time of one FFI round trip of `screen()` from Kotlin: cache read,
 * presentation signed on the device, QR encoded, records across JNA.
 * Printed, never asserted (DESIGN §7).
 */
class ScreenTimingTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `time one screen() round trip`() = runBlocking<Unit> {
        Phone(dir).open().use { app ->
            val person = People.adult()
            app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            app.applySelf()
            repeat(50) { app.screen() }
            val rounds = 500
            val samples = LongArray(rounds)
            for (i in 0 until rounds) {
                val start = System.nanoTime()
                app.screen()
                samples[i] = System.nanoTime() - start
            }
            samples.sort()
            val mean = samples.average() / 1000.0
            val median = samples[rounds / 2] / 1000.0
            val p95 = samples[rounds * 95 / 100] / 1000.0
            val baseline = LongArray(rounds).also { b ->
                for (i in 0 until rounds) {
                    val start = System.nanoTime()
                    app.status()
                    b[i] = System.nanoTime() - start
                }
            }.sorted()[rounds / 2] / 1000.0
            println(
                "FFI round trip screen(): median %.0f µs, mean %.0f µs, p95 %.0f µs over %d calls (status(): median %.0f µs)"
                    .format(median, mean, p95, rounds, baseline),
            )
        }
    }
}
