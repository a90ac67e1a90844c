package cn.suikang.hosttest

import cn.suikang.app.presentation.FailureKind
import cn.suikang.app.presentation.kind
import cn.suikang.ffi.App
import cn.suikang.ffi.AppConfig
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.ErrorCode
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.Screen
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.net.ServerSocket
import java.nio.file.Path

/** Each of the core's errors arrives as its own Kotlin exception type. */
class ErrorsTest {
    @TempDir lateinit var dir: Path

    private fun phone(sub: String) = Phone(dir.resolve(sub))

    @Test
    fun `typos are refused before anything is sent`() = runBlocking<Unit> {
        phone("a").open().use { app ->
            val person = People.adult()
            val typo = person.id.dropLast(1) + if (person.id.last() == '0') '1' else '0'
            val e = assertThrows<SuikangException.InvalidDocumentNumber> {
                runBlocking { app.login(person.name, DocumentKind.RESIDENT_ID, typo) }
            }
            assertFalse(e.message!!.contains(typo), "no document number in messages")
            assertEquals(FailureKind.FIX_INPUT, e.kind())
            assertThrows<SuikangException.InvalidName> {
                runBlocking { app.login("", DocumentKind.RESIDENT_ID, person.id) }
            }
        }
    }

    @Test
    fun `face check failures each have their type`() = runBlocking<Unit> {
        val phone = phone("a")
        phone.open().use { app ->
            phone.face.next = Capture.MISMATCH
            assertThrows<SuikangException.FaceMismatch> {
                runBlocking { People.adult().let { app.login(it.name, DocumentKind.RESIDENT_ID, it.id) } }
            }
            phone.face.next = Capture.SPOOF
            assertThrows<SuikangException.LivenessFailed> {
                runBlocking { People.adult().let { app.login(it.name, DocumentKind.RESIDENT_ID, it.id) } }
            }
            phone.face.next = null // the person backs out of the vendor's screen
            assertThrows<SuikangException.FaceCheckCancelled> {
                runBlocking { People.adult().let { app.login(it.name, DocumentKind.RESIDENT_ID, it.id) } }
            }
            // A callback that throws something else: the SDK failed.
            phone.face.next = Capture.MATCH
            phone.face.throwUnexpected = true
            val e = assertThrows<SuikangException.FaceCheckFailed> {
                runBlocking { People.adult().let { app.login(it.name, DocumentKind.RESIDENT_ID, it.id) } }
            }
            assertEquals(FailureKind.TRY_FACE_AGAIN, e.kind())
            assertFalse(app.status().signedIn)
        }
    }

    @Test
    fun `repeated face failures lock the document for a while`() = runBlocking<Unit> {
        val phone = phone("a")
        val person = People.adult()
        phone.open().use { app ->
            phone.face.next = Capture.MISMATCH
            val failures = generateSequence {
                runCatching { runBlocking { app.login(person.name, DocumentKind.RESIDENT_ID, person.id) } }
                    .exceptionOrNull()
            }.take(8).toList()
            assertTrue(failures.first() is SuikangException.FaceMismatch)
            assertTrue(failures.last() is SuikangException.LockedOut, "got ${failures.last()}")
            assertEquals(FailureKind.WAIT, (failures.last() as SuikangException).kind())
        }
    }

    @Test
    fun `acting signed out, or after signing in elsewhere, says so`() = runBlocking<Unit> {
        val person = People.adult()
        phone("first").open().use { first ->
            assertThrows<SuikangException.NotSignedIn> { runBlocking { first.sync() } }
            first.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            first.applySelf()
            phone("second").open().use { second ->
                second.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            }
            val e = assertThrows<SuikangException.SignedInElsewhere> { runBlocking { first.sync() } }
            assertEquals(FailureKind.SIGN_IN_AGAIN, e.kind())
            val screen = first.screen()
            assertTrue(screen is Screen.SignedOut)
            assertEquals(cn.suikang.ffi.Banner.SIGNED_IN_ELSEWHERE, (screen as Screen.SignedOut).banner?.kind)
        }
    }

    @Test
    fun `the server's own refusals carry their code`() = runBlocking<Unit> {
        val person = People.adult()
        phone("a").open().use { app ->
            app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            app.applySelf()
            val e = assertThrows<SuikangException.Refused> {
                runBlocking { app.applyProxy(person.name, DocumentKind.RESIDENT_ID, person.id, Relationship.ADULT_RELATIVE, true) }
            }
            assertTrue(e.code in setOf(ErrorCode.CANNOT_PROXY_FOR_SELF, ErrorCode.HOLDER_HAS_OWN_CODE), "got ${e.code}")
            assertThrows<SuikangException.CodeNotFound> { runBlocking { app.select("no-such-code") } }
            assertThrows<SuikangException.CodeNotFound> { runBlocking { app.removeDependent("no-such-code") } }
        }
    }

    @Test
    fun `a checkpoint without a trust list, and images without a code`() = runBlocking<Unit> {
        phone("a").open().use { app ->
            assertThrows<SuikangException.NoTrustList> { runBlocking { app.verify("SK1:ABC") } }
            assertThrows<SuikangException.UnreadableImage> { runBlocking { app.verifyImage(byteArrayOf(1, 2, 3)) } }
            val blank = java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB)
            val png = java.io.ByteArrayOutputStream().also { javax.imageio.ImageIO.write(blank, "png", it) }.toByteArray()
            assertThrows<SuikangException.NoCodeInImage> { runBlocking { app.verifyImage(png) } }
            assertTrue(app.refreshTrustList())
            assertTrue(app.verify("SK1:ABC").refusal != null)
        }
    }

    @Test
    fun `no server listening is a network error, bad settings and a failing keystore are the phone's`() = runBlocking<Unit> {
        val closedPort = ServerSocket(0).use { it.localPort }
        Phone(dir.resolve("a"), serverUrl = "http://127.0.0.1:$closedPort").open().use { app ->
            val e = assertThrows<SuikangException.NetworkUnavailable> {
                runBlocking { People.adult().let { app.login(it.name, DocumentKind.RESIDENT_ID, it.id) } }
            }
            assertEquals(FailureKind.OFFLINE, e.kind())
        }
        assertThrows<SuikangException.InvalidArgument> {
            App(AppConfig(dataDir = dir.resolve("b").toString(), serverUrl = TestServer.url, trustRoots = listOf("not hex")), SimulatorFace(TestServer.url))
        }
        val broken = MemorySecretStore().apply { this.broken = true }
        val e = assertThrows<SuikangException.Keystore> { Phone(dir.resolve("c"), secrets = broken).open() }
        assertEquals("the keystore is locked", e.reason)
    }
}
