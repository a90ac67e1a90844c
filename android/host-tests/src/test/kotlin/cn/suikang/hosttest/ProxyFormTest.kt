package cn.suikang.hosttest

import cn.suikang.app.presentation.FailureKind
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.ProxyApplicationForm
import cn.suikang.app.presentation.ProxyApplicationForm.Stage
import cn.suikang.ffi.App
import cn.suikang.ffi.Color
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.ErrorCode
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * The proxy form (代申领, 问题二) as a guardian fills it in, against the
 * real server: the dependent's district is picked from the core's list
 * (DESIGN §2: that district's committee decides who else may join).
 */
class ProxyFormTest {
    @TempDir lateinit var dir: Path

    private suspend fun signedIn(app: App) {
        val adult = People.adult()
        app.login(adult.name, DocumentKind.RESIDENT_ID, adult.id)
        app.applySelf()
    }

    private fun ProxyApplicationForm.fillIn(person: Person) {
        setName(person.name)
        setNumber(person.id)
        setCoResident(true)
    }

    @Test
    fun `the guardian picks the grandmother's district from the list, in the language on screen, and applies`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            signedIn(app)
            var language = Language.EN
            val form = ProxyApplicationForm(app) { language }
            form.fillIn(People.grandmother())

            form.searchDistrict("hai")
            val offered = form.state.value.districtChoices
            assertTrue(offered.any { it.name == "Haizhu District" && it.code == "440105" }, "$offered")

            language = Language.ZH
            form.searchDistrict("海珠")
            val haizhu = form.state.value.districtChoices.single()
            assertEquals("海珠区", haizhu.name)
            form.chooseDistrict(haizhu)
            assertEquals("海珠区", form.state.value.fields.districtQuery)
            assertEquals("440105", form.state.value.fields.residenceDistrict)
            assertTrue(form.state.value.districtChoices.isEmpty(), "the list closes on a pick")

            // Typing again undoes the pick: what shows is what is sent.
            form.searchDistrict("海珠")
            assertNull(form.state.value.fields.district)
            form.chooseDistrict(form.state.value.districtChoices.single())

            form.submit()
            val stage = form.state.value.stage
            assertTrue(stage is Stage.Applied, "$stage")
            assertEquals(Color.GREEN, (stage as Stage.Applied).result.color)
            assertEquals(2, app.codes().size)
        }
    }

    @Test
    fun `a district nobody knows is refused by name and nothing is applied for`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            signedIn(app)
            val form = ProxyApplicationForm(app)
            form.fillIn(People.grandmother())
            form.searchDistrict("火星")
            assertTrue(form.state.value.districtChoices.isEmpty(), "nothing is offered for Mars")

            form.submit()
            val stage = form.state.value.stage
            assertTrue(stage is Stage.Refused, "$stage")
            stage as Stage.Refused
            assertTrue(stage.error is SuikangException.UnknownDistrict, "${stage.error}")
            assertEquals(FailureKind.FIX_INPUT, stage.kind)
            assertEquals(1, app.codes().size, "only the guardian's own code")

            // Fixing the field goes back to editing, and the pinyin is found.
            form.searchDistrict("liwan")
            assertEquals(Stage.Editing, form.state.value.stage)
            form.chooseDistrict(form.state.value.districtChoices.single())
            form.submit()
            assertTrue(form.state.value.stage is Stage.Applied, "${form.state.value.stage}")
        }
    }

    @Test
    fun `an adult dependent needs a reason, and one of the core's reasons lets the application through`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            signedIn(app)
            val form = ProxyApplicationForm(app) { Language.ZH_HANT }
            form.fillIn(Person("王建华", People.residentId("19900101")))
            form.submit()
            val refused = form.state.value.stage
            assertTrue(refused is Stage.Refused, "$refused")
            val error = (refused as Stage.Refused).error
            assertEquals(ErrorCode.DEPENDENT_NOT_ELIGIBLE, (error as SuikangException.Refused).code)
            assertEquals(1, app.codes().size, "nothing applied for")

            val choices = form.reasonChoices()
            assertEquals(5, choices.size)
            assertEquals("沒有智能手機", choices.last().label)
            form.setReason(choices.last().reason)
            form.submit()
            assertTrue(form.state.value.stage is Stage.Applied, "${form.state.value.stage}")
            assertEquals(2, app.codes().size)
        }
    }
}
