package cn.suikang.hosttest

import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.toHomeState
import cn.suikang.ffi.Banner
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.NetworkState
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.Symptom
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.Verdict
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/** At the metro gate with no network (DESIGN §1): the code still shows. */
class OfflineTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `the code keeps showing and verifying when the server is stopped, also after a restart`() = runBlocking<Unit> {
        ServerProcess(dir.resolve("server")).use { server ->
            server.start()
            val phone = Phone(dir.resolve("phone"), serverUrl = server.url, rootKey = server.rootKey)
            val person = People.adult()
            val online = phone.open().use { app ->
                app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
                app.applySelf()
                app.screen().code()
            }

            server.stop()
            phone.open().use { app ->
                // Launch: the cache answers, nothing waits on the network.
                val before = app.screen().code()
                assertEquals(online.codeId, before.codeId)

                assertThrows<SuikangException.NetworkUnavailable> { runBlocking { app.sync() } }
                val offline = app.screen().code()
                assertEquals(NetworkState.OFFLINE, offline.network)
                assertEquals(Banner.OFFLINE, offline.banner)
                assertEquals(online.codeId, offline.codeId)
                val card = (app.screen().toHomeState(Language.EN) as HomeState.Code).card
                assertTrue(card.banner!!.text.startsWith("Offline"))

                // The checkpoint's phone is offline too, with the trust list it cached.
                assertEquals(Verdict.PASS, app.verify(offline.qrText).verdict)

                // A declaration waits in the outbox for the network.
                assertEquals(SubmitOutcome.QUEUED, app.declare(null, listOf(Symptom.FEVER), null))
                assertEquals(1u, app.status().queuedActions)
            }

            server.start()
            phone.open().use { app ->
                val report = app.sync()
                assertEquals(1u, report.delivered)
                assertEquals(0u, app.status().queuedActions)
                assertEquals(NetworkState.ONLINE, app.screen().code().network)
            }
        }
    }
}
