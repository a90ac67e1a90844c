package cn.suikang.hosttest

import cn.suikang.ffi.App
import cn.suikang.ffi.Color
import cn.suikang.ffi.DeviceReason
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.ErrorCode
import cn.suikang.ffi.JoinDecision
import cn.suikang.ffi.ProxyApplication
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * Guardianship consent through the Kotlin API (DESIGN §2): a later applicant
 * for a held dependent only asks to join; a guardian approves or declines.
 */
class JoinRequestsTest {
    @TempDir lateinit var dir: Path

    private suspend fun signedIn(app: App, person: Person) {
        app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
        app.applySelf()
    }

    private suspend fun askToJoin(app: App, grandmother: Person): SuikangException.Refused =
        assertThrows<SuikangException.Refused> {
            runBlocking {
                app.applyProxy(ProxyApplication(grandmother.name, DocumentKind.RESIDENT_ID, grandmother.id, Relationship.ADULT_RELATIVE, true))
            }
        }

    @Test
    fun `a stranger is declined and learns nothing, a son is approved and holds the same code`() = runBlocking<Unit> {
        val grandmother = People.grandmother()
        Phone(dir.resolve("guardian")).open().use { guardian ->
            signedIn(guardian, People.adult())
            val held = guardian.applyProxy(ProxyApplication(grandmother.name, DocumentKind.RESIDENT_ID, grandmother.id, Relationship.ADULT_RELATIVE, true))
            assertTrue(guardian.pendingJoinRequests().isEmpty())

            Phone(dir.resolve("stranger")).open().use { stranger ->
                signedIn(stranger, Person("陈大文", People.residentId("19750412")))
                val told = askToJoin(stranger, grandmother)
                assertEquals(ErrorCode.JOIN_REQUEST_PENDING, told.code)
                assertFalse(told.reason.contains(held.codeId), "no code id is told")
                stranger.sync()
                assertEquals(1, stranger.codes().size)

                val waiting = guardian.pendingJoinRequests()
                assertEquals(1, waiting.size)
                assertEquals("陈*文", waiting[0].requesterMaskedName)
                assertEquals("李*英", waiting[0].dependentMaskedName)
                assertEquals(held.codeId, waiting[0].codeId)
                assertEquals(Relationship.ADULT_RELATIVE, waiting[0].relationship)
                val declined = guardian.declineJoinRequest(waiting[0].requestId)
                assertEquals(JoinDecision.DECLINED, declined.decision)
                stranger.sync()
                assertEquals(1, stranger.codes().size, "declined: still only the stranger's own code")
                val again = assertThrows<SuikangException.Refused> {
                    runBlocking { guardian.approveJoinRequest(waiting[0].requestId) }
                }
                assertEquals(ErrorCode.JOIN_REQUEST_ALREADY_DECIDED, again.code)
            }

            Phone(dir.resolve("son")).open().use { son ->
                signedIn(son, Person("王建国", People.residentId("19800715")))
                assertEquals(ErrorCode.JOIN_REQUEST_PENDING, askToJoin(son, grandmother).code)
                val request = guardian.pendingJoinRequests().single()
                assertEquals("王*国", request.requesterMaskedName)
                val notHis = assertThrows<SuikangException.Refused> {
                    runBlocking { son.approveJoinRequest(request.requestId) }
                }
                assertEquals(ErrorCode.NOT_YOUR_DEPENDENT, notHis.code)
                assertEquals(JoinDecision.APPROVED, guardian.approveJoinRequest(request.requestId).decision)
                son.sync()
                val dependent = son.codes().single { it.codeId == held.codeId }
                assertEquals(Color.GREEN, dependent.color)
                assertEquals("李*英", dependent.maskedName)

                // The first guardian leaves; the son still holds her code.
                assertEquals(SubmitOutcome.DELIVERED, guardian.removeDependent(held.codeId))
                son.sync()
                assertTrue(son.codes().any { it.codeId == held.codeId })
            }
        }
    }

    @Test
    fun `a working-age dependent is proxied with a stated reason, not without`() = runBlocking<Unit> {
        Phone(dir).open().use { app ->
            signedIn(app, People.adult())
            val adult = Person("王建国", People.residentId("19850301"))
            val refused = assertThrows<SuikangException.Refused> {
                runBlocking { app.applyProxy(ProxyApplication(adult.name, DocumentKind.RESIDENT_ID, adult.id, Relationship.ADULT_RELATIVE, true)) }
            }
            assertEquals(ErrorCode.DEPENDENT_NOT_ELIGIBLE, refused.code)
            val applied = app.applyProxy(ProxyApplication(
                adult.name, DocumentKind.RESIDENT_ID, adult.id, Relationship.ADULT_RELATIVE, true,
                DeviceReason.Other("手部受伤"),
            ))
            assertEquals(Color.GREEN, applied.color)
        }
    }
}
