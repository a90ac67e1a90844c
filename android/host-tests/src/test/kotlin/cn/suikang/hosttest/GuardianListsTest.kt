package cn.suikang.hosttest

import cn.suikang.app.presentation.DependentsList
import cn.suikang.app.presentation.JoinRequestsList
import cn.suikang.app.presentation.Language
import cn.suikang.ffi.App
import cn.suikang.ffi.CodeRole
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.ErrorCode
import cn.suikang.ffi.JoinDecision
import cn.suikang.ffi.ProxyApplication
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * The guardian's lists through the app's state machines (android/shared),
 * against the real server: the dependents with remove, and the join
 * requests to approve or decline (DESIGN §2, guardianship consent).
 */
class GuardianListsTest {
    @TempDir lateinit var dir: Path

    private suspend fun signedIn(app: App, person: Person) {
        app.login(person.name, DocumentKind.RESIDENT_ID, person.id)
        app.applySelf()
    }

    private fun relative(person: Person) =
        ProxyApplication(person.name, DocumentKind.RESIDENT_ID, person.id, Relationship.ADULT_RELATIVE, true)

    @Test
    fun `a guardian sees both dependents, thinks again once, then removes the grandmother`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            signedIn(app, People.adult())
            val grandmother = app.applyProxy(relative(People.grandmother()))
            val child = app.applyProxy(relative(People.child()))
            val list = DependentsList(app)
            list.load()

            val rows = list.state.value.rows(Language.ZH)
            // Applied for within a second of each other: which comes first is the server's business.
            assertEquals(setOf("李*英", "王*明"), rows.map { it.maskedName }.toSet())
            assertEquals(listOf("绿码", "绿码"), rows.map { it.color })
            assertTrue(rows.all { it.relationship == "共同居住的成年亲属" })
            assertEquals("green code", list.state.value.rows(Language.EN)[0].color)

            list.askToRemove(grandmother.codeId)
            assertEquals(DependentsList.Stage.Confirming(grandmother.codeId), list.state.value.stage)
            list.cancel()
            assertEquals(DependentsList.Stage.Ready, list.state.value.stage)
            assertEquals(2, list.state.value.dependents.size, "cancelling removes nothing")

            list.askToRemove(grandmother.codeId)
            list.confirmRemove()
            assertEquals(DependentsList.Stage.Removed(grandmother.codeId, SubmitOutcome.DELIVERED), list.state.value.stage)
            assertEquals(listOf(child.codeId), list.state.value.dependents.map { it.codeId })
            assertEquals(listOf(CodeRole.OWN, CodeRole.DEPENDENT), app.codes().map { it.role })
        }
    }

    @Test
    fun `a guardian approves the son and declines a stranger, each seen masked with how they are related`() = runBlocking<Unit> {
        val grandmother = People.grandmother()
        GuardianServer.phone(dir.resolve("guardian")).open().use { guardian ->
            signedIn(guardian, People.adult())
            val held = guardian.applyProxy(relative(grandmother))
            val requests = JoinRequestsList(guardian)
            requests.refresh()
            assertTrue(requests.state.value.requests.isEmpty())

            GuardianServer.phone(dir.resolve("son")).open().use { son ->
                signedIn(son, Person("王建国", People.residentId("19800715")))
                val asked = assertThrows<SuikangException.Refused> { runBlocking { son.applyProxy(relative(grandmother)) } }
                assertEquals(ErrorCode.JOIN_REQUEST_PENDING, asked.code)

                GuardianServer.phone(dir.resolve("stranger")).open().use { stranger ->
                    signedIn(stranger, Person("陈大文", People.residentId("19750412")))
                    assertThrows<SuikangException.Refused> { runBlocking { stranger.applyProxy(relative(grandmother)) } }

                    requests.refresh()
                    val rows = requests.state.value.rows(Language.ZH_HANT)
                    // Oldest first, also when both asked within the same second: the son asked first.
                    assertEquals(listOf("王*国", "陈*文"), rows.map { it.requester })
                    assertTrue(rows.all { it.dependent == "李*英" && it.codeId == held.codeId })
                    assertTrue(rows.all { it.relationship == "共同居住的成年親屬" && it.coResidentDeclared })
                    val sons = rows.single { it.requester == "王*国" }
                    val strangers = rows.single { it.requester == "陈*文" }

                    requests.decline(strangers.requestId)
                    assertEquals(JoinDecision.DECLINED, requests.state.value.lastDecision?.decision)
                    assertEquals(listOf(sons.requestId), requests.state.value.requests.map { it.requestId })
                    requests.approve(sons.requestId)
                    assertEquals(JoinDecision.APPROVED, requests.state.value.lastDecision?.decision)
                    assertEquals(JoinRequestsList.Stage.Ready, requests.state.value.stage)
                    assertTrue(requests.state.value.requests.isEmpty(), "both decided")

                    // Deciding a request no longer listed does nothing.
                    requests.approve(strangers.requestId)
                    assertEquals(JoinDecision.APPROVED, requests.state.value.lastDecision?.decision)

                    son.sync()
                    assertEquals(held.codeId, son.codes()[1].codeId, "the son holds her code")
                    stranger.sync()
                    assertEquals(1, stranger.codes().size, "the stranger learns nothing")
                }
            }
        }
    }
}
