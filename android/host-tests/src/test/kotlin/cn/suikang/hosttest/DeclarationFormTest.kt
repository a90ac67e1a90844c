package cn.suikang.hosttest

import cn.suikang.app.presentation.DeclarationForm
import cn.suikang.app.presentation.DeclarationForm.Stage
import cn.suikang.app.presentation.FailureKind
import cn.suikang.app.presentation.Language
import cn.suikang.ffi.Color
import cn.suikang.ffi.ControlReason
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.SubmitOutcome
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.LocalDate
import java.time.ZoneOffset

/**
 * The health declaration's travel (健康申报, 问题三) with the district arrived
 * in picked from the core's list, against the real server.
 */
class DeclarationFormTest {
    @TempDir lateinit var dir: Path

    private val yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString()

    @Test
    fun `a resident back from a key area picks Yuexiu and the code turns red`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            val adult = People.adult()
            app.login(adult.name, DocumentKind.RESIDENT_ID, adult.id)
            app.applySelf()
            val form = DeclarationForm(app) { Language.EN }
            form.start(null)
            form.setTravelled(true)
            form.setArea("key area")
            form.setArrivedOn(yesterday)
            form.searchDistrict("yuex")
            val yuexiu = form.state.value.districtChoices.single()
            assertEquals("Yuexiu District", yuexiu.name)
            form.chooseDistrict(yuexiu)
            assertEquals("Yuexiu District", form.state.value.fields.districtQuery)
            assertEquals("440104", form.state.value.fields.district)

            form.submit()
            assertEquals(Stage.Sent(SubmitOutcome.DELIVERED), form.state.value.stage)
            val own = app.codes()[0]
            assertEquals(Color.RED, own.color)
            assertEquals(listOf(ControlReason.ARRIVAL_FROM_KEY_AREA), own.controls)
        }
    }

    @Test
    fun `a district nobody knows is refused on the phone and nothing is queued`() = runBlocking<Unit> {
        GuardianServer.phone(dir).open().use { app ->
            val adult = People.adult()
            app.login(adult.name, DocumentKind.RESIDENT_ID, adult.id)
            app.applySelf()
            val form = DeclarationForm(app)
            form.start(null)
            form.setTravelled(true)
            form.setArea("key area")
            form.setArrivedOn(yesterday)
            form.searchDistrict("火星")
            assertTrue(form.state.value.districtChoices.isEmpty())

            form.submit()
            val stage = form.state.value.stage as Stage.Refused
            assertTrue(stage.error is SuikangException.UnknownDistrict, "${stage.error}")
            assertEquals(FailureKind.FIX_INPUT, stage.kind)
            assertEquals(0u, app.status().queuedActions)
            assertEquals(Color.BLUE, app.codes()[0].color)
        }
    }
}
