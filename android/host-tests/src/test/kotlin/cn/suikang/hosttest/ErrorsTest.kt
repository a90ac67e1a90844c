package cn.suikang.hosttest

import cn.suikang.app.presentation.FailureKind
import cn.suikang.app.presentation.kind
import cn.suikang.ffi.App
import cn.suikang.ffi.AppConfig
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.ErrorCode
import cn.suikang.ffi.ProxyApplication
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.Screen
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.Symptom
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.net.ServerSocket
import java.nio.file.Path
import java.time.Instant

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
            assertEquals(cn.suikang.ffi.Banner.SIGNED_IN_ELSEWHERE, (screen as Screen.SignedOut).banner)
        }
    }

    @Test
    fun `the server's own refusals carry their code`() = runBlocking<Unit> {
        val person = People.adult()
        phone("a").open().use { app ->
            app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            app.applySelf()
            val e = assertThrows<SuikangException.Refused> {
                runBlocking { app.applyProxy(ProxyApplication(person.name, DocumentKind.RESIDENT_ID, person.id, Relationship.ADULT_RELATIVE, true)) }
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

    @Test
    fun `a face check that outlasts the server's challenge asks to start again`() = runBlocking<Unit> {
        // Three seconds: long enough for the prompt second login to finish
        // on a loaded machine (one second failed CI), short enough to wait out.
        ServerProcess(dir.resolve("server"), "--face-challenge-ttl-seconds", "3").use { server ->
            server.start()
            val phone = Phone(dir.resolve("phone"), serverUrl = server.url, rootKey = server.rootKey)
            val person = People.adult()
            phone.open().use { app ->
                phone.face.outlastChallenge = true
                val e = assertThrows<SuikangException.ChallengeExpired> {
                    runBlocking { app.login(person.name, DocumentKind.RESIDENT_ID, person.id) }
                }
                assertEquals(FailureKind.TRY_FACE_AGAIN, e.kind())
                assertFalse(app.status().signedIn)
                // Starting again, promptly, gets a fresh challenge and signs in.
                phone.face.outlastChallenge = false
                app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
                assertTrue(app.status().signedIn)
            }
        }
    }

    @Test
    fun `a keystore rolled back to a spent refresh token ends the session everywhere`() = runBlocking<Unit> {
        val secrets = MemorySecretStore()
        val phone = Phone(dir.resolve("a"), secrets = secrets)
        val person = People.adult()
        phone.open().use { app ->
            app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            app.applySelf()
            val backup = secrets.secrets.getValue("session")
            // An hour on, the access token has run out: the next sync trades
            // the refresh token for a new pair.
            secrets.secrets["session"] = backup.withAccessTokenRunOut()
            app.sync()
            val rotated = secrets.secrets.getValue("session")
            assertNotEquals(backup.refreshToken(), rotated.refreshToken(), "the tokens were rotated")

            // The keystore comes back from an old copy, with the refresh token
            // already spent: the server takes it for a stolen one.
            secrets.secrets["session"] = backup.withAccessTokenRunOut()
            val e = assertThrows<SuikangException.SessionEnded> { runBlocking { app.sync() } }
            assertEquals(FailureKind.SIGN_IN_AGAIN, e.kind())
            assertFalse(app.status().signedIn)
            val screen = app.screen()
            assertTrue(screen is Screen.SignedOut, "got $screen")
            assertNull((screen as Screen.SignedOut).banner, "not 'signed in elsewhere'")

            // The server ended the whole session: the newer tokens are dead too.
            secrets.secrets["session"] = rotated
            assertThrows<SuikangException.SessionEnded> { runBlocking { app.sync() } }
            assertThrows<SuikangException.NotSignedIn> { runBlocking { app.sync() } }

            app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            assertNotNull(app.screen().code().qrText)
        }
    }

    private fun ByteArray.refreshToken(): String =
        Regex("\"refresh_token\"\\s*:\\s*\"([^\"]*)\"").find(String(this))?.groupValues?.get(1)
            ?: error("the stored session has no refresh_token")

    /** The stored tokens with the access token's expiry in the past. */
    private fun ByteArray.withAccessTokenRunOut(): ByteArray {
        val json = String(this)
        val expiry = Regex("\"access_expires_at\"\\s*:\\s*\"[^\"]*\"")
        check(expiry.containsMatchIn(json)) { "the stored session has no access_expires_at" }
        return json.replace(expiry, "\"access_expires_at\":\"${Instant.now().minusSeconds(1)}\"").toByteArray()
    }

    @Test
    fun `declaring before applying asks for a code first`() = runBlocking<Unit> {
        val person = People.adult()
        phone("a").open().use { app ->
            app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
            assertTrue(app.screen() is Screen.NoCode)
            val e = assertThrows<SuikangException.NoCodeYet> {
                runBlocking { app.declare(null, listOf(Symptom.FEVER), null) }
            }
            assertEquals(FailureKind.REFUSED, e.kind())
            assertEquals(0u, app.status().queuedActions, "nothing is left waiting to be sent")
            app.applySelf()
            assertEquals(SubmitOutcome.DELIVERED, app.declare(null, listOf(Symptom.FEVER), null))
        }
    }

    @Test
    fun `a struggling server or a captive portal leaves the code showing`() = runBlocking<Unit> {
        FrontDoor(TestServer.url).use { door ->
            val phone = Phone(dir.resolve("a"), serverUrl = door.url)
            val person = People.adult()
            phone.open().use { app ->
                app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
                app.applySelf()
                val code = app.screen().code().codeId

                door.mode = FrontDoor.Mode.DOWN
                val down = assertThrows<SuikangException.ServerUnavailable> { runBlocking { app.sync() } }
                assertEquals(503.toUShort(), down.status)
                assertEquals(FailureKind.OFFLINE, down.kind())
                assertEquals(code, app.screen().code().codeId)

                door.mode = FrontDoor.Mode.PORTAL
                val portal = assertThrows<SuikangException.BadServerResponse> { runBlocking { app.sync() } }
                assertEquals(FailureKind.OFFLINE, portal.kind())
                assertEquals(code, app.screen().code().codeId)
                assertTrue(app.status().signedIn, "neither ends the session")

                door.mode = FrontDoor.Mode.PASS
                app.sync()
                assertEquals(code, app.screen().code().codeId)
            }
            // Signing in meets them too, before any face check.
            val newcomer = Phone(dir.resolve("b"), serverUrl = door.url)
            newcomer.open().use { app ->
                door.mode = FrontDoor.Mode.DOWN
                assertThrows<SuikangException.ServerUnavailable> {
                    runBlocking { People.adult().let { app.login(it.name, DocumentKind.RESIDENT_ID, it.id) } }
                }
                door.mode = FrontDoor.Mode.PORTAL
                assertThrows<SuikangException.BadServerResponse> {
                    runBlocking { People.adult().let { app.login(it.name, DocumentKind.RESIDENT_ID, it.id) } }
                }
                assertEquals(0, newcomer.face.calls)
            }
        }
    }
}
