package cn.suikang.uitest

import android.graphics.Bitmap
import android.os.Looper
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.junit4.createAndroidComposeRule
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import cn.suikang.app.face.SimulatorFaceCapture
import cn.suikang.app.face.VendorFaceVerifier
import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.text
import cn.suikang.ffi.UiText
import cn.suikang.app.ui.AppViewModel
import cn.suikang.app.ui.CODE_CARD_TAG
import cn.suikang.app.ui.DISTRICT_SEARCH_TAG
import cn.suikang.app.ui.SuikangApp
import cn.suikang.ffi.App
import cn.suikang.ffi.Banner
import cn.suikang.ffi.Color
import cn.suikang.ffi.DocumentKind
import cn.suikang.ffi.ErrorCode
import cn.suikang.ffi.FaceChallenge
import cn.suikang.ffi.FaceVerifier
import cn.suikang.ffi.ProxyApplication
import cn.suikang.ffi.Relationship
import cn.suikang.ffi.Rgba
import cn.suikang.ffi.Screen
import cn.suikang.ffi.SignedFaceResult
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.bannerText
import cn.suikang.ffi.Verdict
import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.rules.TestRule
import org.junit.runners.model.Statement
import org.robolectric.RuntimeEnvironment
import android.view.WindowManager
import cn.suikang.app.ui.QR_TAG
import org.junit.rules.RuleChain
import org.robolectric.Shadows.shadowOf
import androidx.test.core.app.ApplicationProvider
import android.content.ComponentName
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.io.ByteArrayOutputStream
import java.io.File
import kotlin.math.roundToInt

/**
 * The app's screens as a resident and a guardian use them: the app's own
 * composables and view model, the real core through the bindings, a real
 * server on loopback. Each scenario leaves a PNG in target/screenshots/, and
 * the QR on each code card's screenshot must verify as the code shown, in
 * the card's colour.
 */
/** The system's font size for one scenario (Settings › Display › Font size). */
@Retention(AnnotationRetention.RUNTIME)
@Target(AnnotationTarget.FUNCTION)
annotation class FontScale(val value: Float)

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], qualifiers = "w360dp-h760dp-xhdpi")
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class AppScreensTest {
    val compose = createAndroidComposeRule<ScreenTestActivity>()

    /**
     * The Compose rule launches an activity of the test's, which a Gradle
     * build would declare in the merged test manifest; without manifest
     * merging it is registered with the package manager here.
     */
    @get:Rule
    val rules: RuleChain = RuleChain.outerRule(
        TestRule { base, description ->
            object : Statement() {
                override fun evaluate() {
                    val context = ApplicationProvider.getApplicationContext<android.app.Application>()
                    shadowOf(context.packageManager).addActivityIfNotPresent(ComponentName(context, ScreenTestActivity::class.java))
                    // The system's font size, set before the activity starts.
                    description.getAnnotation(FontScale::class.java)?.let { RuntimeEnvironment.setFontScale(it.value) }
                    base.evaluate()
                }
            }
        },
    ).around(compose)

    private val face = VendorFaceVerifier()
    private val app: App = openApp(server, face)

    private var shown: AppViewModel? = null

    private fun showApp(language: Language = Language.ZH): AppViewModel {
        val model = AppViewModel(app, face, SimulatorFaceCapture(server.url), language)
        compose.setContent { SuikangApp(model) }
        shown = model
        return model
    }

    /** A text of the screens, in the language on screen (the core's words). */
    private fun onScreen(text: UiText): String = shown!!.language.value.text(text)

    private fun waitFor(what: String, timeoutMs: Long = 20_000, condition: () -> Boolean) {
        try {
            // The core answers on its own threads and posts to the main looper,
            // which Robolectric runs only when told to.
            compose.waitUntil(timeoutMs) {
                shadowOf(Looper.getMainLooper()).idle()
                condition()
            }
        } catch (e: Throwable) {
            throw AssertionError("waited ${timeoutMs / 1000} s for $what", e)
        }
    }

    private fun hasText(text: String) = compose.onAllNodes(androidx.compose.ui.test.hasText(text, substring = true))
        .fetchSemanticsNodes().isNotEmpty()

    /** 实名认证: name, ID number, the face check through the server's simulator. */
    private fun signIn(person: Person) {
        // The app opens its core off the main thread: the form shows when
        // that is done (on a loaded machine, after the first frame).
        waitFor("the sign-in form") { hasText(onScreen(UiText.NAME)) }
        // The form scrolls: at large text sizes its end is below the screen's.
        compose.onNodeWithText(onScreen(UiText.NAME)).performScrollTo().performTextInput(person.name)
        compose.onNodeWithText(onScreen(UiText.DOCUMENT_NUMBER)).performScrollTo().performTextInput(person.id)
        compose.onNodeWithText(onScreen(UiText.SIGN_IN_WITH_FACE_CHECK)).performScrollTo().performClick()
        waitFor("the face dialog") { hasText(onScreen(UiText.START)) }
        compose.onNodeWithText(onScreen(UiText.START)).performClick()
        waitFor("the signed-in screen") { hasText(onScreen(UiText.NO_CODE_YET)) }
    }

    private fun applyForOwnCode(model: AppViewModel) {
        waitFor("the login call to return") { !model.busy.value }
        compose.onNodeWithText(onScreen(UiText.APPLY_FOR_OWN_CODE)).performScrollTo().performClick()
        try {
            waitFor("my code") { model.home.value is HomeState.Code }
        } catch (e: AssertionError) {
            throw AssertionError("no code on screen; the app's last error: ${model.failure.value?.describe()}; core: ${runCatching { runBlocking { app.codes() } }}; busy ${model.busy.value}; direct apply: ${runCatching { runBlocking { kotlinx.coroutines.withTimeout(10_000) { app.applySelf() } } }}", e)
        }
    }

    private fun shownScreen(): cn.suikang.ffi.CodeScreen = runBlocking { app.screen() }
        .let { (it as? Screen.Code)?.code ?: throw AssertionError("the core shows no code: $it") }

    private fun save(node: SemanticsNodeInteraction, name: String): Bitmap {
        compose.waitForIdle()
        // What the window shows, drawn in software as Robolectric's native
        // graphics do it (captureToImage waits for a frame Robolectric never schedules).
        val root = compose.activity.window.decorView
        val window = Bitmap.createBitmap(root.width, root.height, Bitmap.Config.ARGB_8888)
        compose.runOnUiThread { root.draw(android.graphics.Canvas(window)) }
        val bounds = node.fetchSemanticsNode().boundsInWindow
        val left = bounds.left.roundToInt().coerceIn(0, window.width - 1)
        val top = bounds.top.roundToInt().coerceIn(0, window.height - 1)
        val bitmap = Bitmap.createBitmap(
            window,
            left,
            top,
            bounds.width.roundToInt().coerceAtMost(window.width - left),
            bounds.height.roundToInt().coerceAtMost(window.height - top),
        )
        val png = ByteArrayOutputStream().also { bitmap.compress(Bitmap.CompressFormat.PNG, 100, it) }.toByteArray()
        val dir = File(System.getProperty("suikang.screenshots") ?: "target/screenshots").apply { mkdirs() }
        File(dir, "$name.png").writeBytes(png)
        return bitmap
    }

    private fun Bitmap.png(): ByteArray =
        ByteArrayOutputStream().also { compress(Bitmap.CompressFormat.PNG, 100, it) }.toByteArray()

    private fun Rgba.argb(): Int = (a.toInt() shl 24) or (r.toInt() shl 16) or (g.toInt() shl 8) or b.toInt()

    /**
     * What an inspector's scanner sees: the QR read from the card's pixels
     * verifies, says the colour expected, and the card is painted in it.
     */
    private fun assertCardVerifiesAs(expected: Color, verdict: Verdict, name: String) {
        save(compose.onRoot(), "$name-screen")
        val card = save(compose.onNodeWithTag(CODE_CARD_TAG), name)
        val check = runBlocking { app.verifyImage(card.png()) }
        assertEquals("verdict of the QR on the $name screenshot: ${check.headlineEn}", verdict, check.verdict)
        assertEquals(expected, check.color)
        val cardColour = assertNotNull(check.card).let { check.card!! }
        // The card's left padding, halfway down: background only.
        val painted = card.getPixel(4, card.height / 2)
        assertEquals(
            "the card's colour on screen (#%08x) is the code's (#%08x)".format(painted, cardColour.argb()),
            cardColour.argb(),
            painted,
        )
        assertEquals(shownScreen().colors.card, cardColour)
    }

    @Test
    fun aResidentSignsInWithTheFaceCheckAndSeesTheirBlueCode() {
        val model = showApp()
        save(compose.onRoot(), "login")
        signIn(People.adult())
        applyForOwnCode(model)
        assertCardVerifiesAs(Color.BLUE, Verdict.PASS, "blue-card")
    }

    @Test
    fun aGuardianAppliesForGrandmotherAndTheRightArrowShowsHerGreenCode() {
        val model = showApp()
        signIn(People.adult())
        applyForOwnCode(model)

        compose.onNodeWithText("代申领").performScrollTo().performClick()
        val grandmother = People.grandmother()
        compose.onNodeWithText("姓名").performTextInput(grandmother.name)
        compose.onNodeWithText("证件号码").performTextInput(grandmother.id)
        compose.onNodeWithText("共同居住").performScrollTo().performClick()
        save(compose.onRoot(), "proxy-form")
        compose.onNodeWithText("提交").performScrollTo().performClick()
        waitFor("two codes behind the arrows") { hasText("1 / 2") }

        compose.onNodeWithContentDescription("下一个码").performClick()
        waitFor("the second code") { hasText("2 / 2") }
        assertCardVerifiesAs(Color.GREEN, Verdict.PASS, "green-card")
        assertEquals(1u, shownScreen().index)
    }

    @Test
    fun aHospitalImposesAControlAndTheCardTurnsRed() {
        val model = showApp()
        val person = People.adult()
        signIn(person)
        applyForOwnCode(model)
        server.imposeSuspectedCase(person)
        compose.runOnUiThread { model.syncQuietly() }
        waitFor("the red card") { shownScreen().colors.card != null && runBlocking { app.codes() }.any { it.color == Color.RED } }
        waitFor("the card repainted") { (model.home.value as? HomeState.Code)?.card?.reasons?.isNotEmpty() == true }
        assertCardVerifiesAs(Color.RED, Verdict.STOP, "red-card")
    }

    @Test
    fun aResidentDeclaresAFever() {
        val model = showApp()
        signIn(People.adult())
        applyForOwnCode(model)
        compose.onNodeWithText("健康申报").performScrollTo().performClick()
        compose.onNodeWithText("发热").performClick()
        save(compose.onRoot(), "declaration-form")
        compose.onNodeWithText("提交申报").performScrollTo().performClick()
        waitFor("back on the code screen") { hasText("代申领") && !hasText("提交申报") }
        assertTrue(model.declarationForm.state.value.stage is cn.suikang.app.presentation.DeclarationForm.Stage.Sent)
    }

    @Test
    fun inEnglishTheCardSaysWhatTheCoreSaysInEnglish() {
        val model = showApp(Language.EN)
        signIn(People.adult())
        applyForOwnCode(model)
        val code = shownScreen()
        assertNotEquals(code.titleZh, code.titleEn)
        waitFor("the English title") { hasText(code.titleEn) }
        assertTrue("no Chinese title in English", !hasText(code.titleZh))
        // What TalkBack reads for the arrows, in English too.
        compose.onNodeWithContentDescription("next code").assertExists()
        compose.onNodeWithContentDescription("previous code").assertExists()
        assertCardVerifiesAs(Color.BLUE, Verdict.PASS, "blue-card-en")
    }

    @Test
    fun inTraditionalChineseTheCardSaysWhatTheCoreSaysInZhHant() {
        val model = showApp(Language.ZH_HANT)
        signIn(People.adult())
        applyForOwnCode(model)
        val code = shownScreen()
        assertEquals("我的穗康碼", code.titleZhHant)
        waitFor("the Traditional Chinese title") { hasText(code.titleZhHant) && hasText(code.statusZhHant) }
        assertTrue("no Simplified title in zh-Hant", !hasText(code.titleZh))
        compose.onNodeWithContentDescription("下一個碼").assertExists()
        assertCardVerifiesAs(Color.BLUE, Verdict.PASS, "blue-card-zh-hant")
    }

    @Test
    fun thePersonSwitchesTheLanguageOnTheCard() {
        val model = showApp(Language.ZH)
        signIn(People.adult())
        applyForOwnCode(model)
        val code = shownScreen()
        waitFor("the Simplified title") { hasText(code.titleZh) }
        compose.onNodeWithText("繁體").performClick()
        waitFor("the Traditional title after switching") { hasText(code.titleZhHant) && !hasText(code.titleZh) }
        compose.onNodeWithText("EN").performClick()
        waitFor("the English title after switching") { hasText(code.titleEn) && !hasText(code.titleZhHant) }
    }

    /** A second phone with no screen: the son, signing in through the face simulator. */
    private fun headlessPhone(): App = openApp(server, object : FaceVerifier {
        override suspend fun verify(challenge: FaceChallenge): SignedFaceResult =
            SimulatorFaceCapture(server.url).capture(challenge)
    })

    @Test
    fun aGuardianPicksGrandmothersDistrictThenApprovesHerSonsJoinRequest() {
        val model = showApp()
        signIn(People.adult())
        applyForOwnCode(model)

        compose.onNodeWithText("代申领").performScrollTo().performClick()
        val grandmother = People.grandmother()
        compose.onNodeWithText("姓名").performTextInput(grandmother.name)
        compose.onNodeWithText("证件号码").performTextInput(grandmother.id)
        compose.onNodeWithText("共同居住").performScrollTo().performClick()
        compose.onNodeWithTag(DISTRICT_SEARCH_TAG).performScrollTo().performTextInput("海珠")
        waitFor("the core's district offered") { hasText("海珠区") }
        compose.onNodeWithText("海珠区").performScrollTo().performClick()
        assertEquals("440105", model.proxyForm.state.value.fields.residenceDistrict)
        save(compose.onRoot(), "proxy-form-district")
        compose.onNodeWithText("提交").performScrollTo().performClick()
        waitFor("two codes behind the arrows") { hasText("1 / 2") }

        // Her son asks from his own phone: he is told only that the request waits.
        val son = headlessPhone()
        val refused = runBlocking {
            son.login("王建国", DocumentKind.RESIDENT_ID, People.residentId("19800715"))
            son.applySelf()
            runCatching { son.applyProxy(ProxyApplication(grandmother.name, DocumentKind.RESIDENT_ID, grandmother.id, Relationship.ADULT_RELATIVE, true)) }
        }.exceptionOrNull()
        assertEquals(ErrorCode.JOIN_REQUEST_PENDING, (refused as SuikangException.Refused).code)

        compose.onNodeWithText("加入申请").performScrollTo().performClick()
        waitFor("the son's request") { hasText("王*国 → 李*英") }
        assertTrue("how he is related, from the core", hasText("共同居住的成年亲属"))
        save(compose.onRoot(), "join-requests")
        compose.onNodeWithText("同意").performClick()
        waitFor("the approval recorded") { hasText("已同意") && !hasText("王*国 → 李*英") }
        save(compose.onRoot(), "join-request-approved")

        val sons = runBlocking { son.sync(); son.codes() }
        assertEquals("the son now holds her code", 2, sons.size)
        assertEquals(Color.GREEN, sons[1].color)
    }

    @Test
    fun withTheServerStoppedTheCardSaysOfflineAndStillVerifies() {
        val model = showApp()
        signIn(People.adult())
        applyForOwnCode(model)
        val offline = bannerText(Banner.OFFLINE, Language.ZH.core)
        server.stop()
        try {
            compose.runOnUiThread { model.syncQuietly() }
            waitFor("the offline banner") { hasText(offline) }
            val code = shownScreen()
            val validity = assertNotNull(code.offlineValidity).let { code.offlineValidity!! }
            assertTrue(validity.zh.startsWith("离线有效至 "))
            assertTrue("the card says until when it works offline", hasText(validity.zh))
            assertCardVerifiesAs(Color.BLUE, Verdict.PASS, "offline-card")
        } finally {
            server.start()
        }
    }

    @Test
    fun aGuardianRemovesGrandmotherFromHerCardOnlyAfterConfirming() {
        val model = showApp()
        signIn(People.adult())
        applyForOwnCode(model)
        val grandmother = People.grandmother()
        runBlocking { app.applyProxy(ProxyApplication(grandmother.name, DocumentKind.RESIDENT_ID, grandmother.id, Relationship.ADULT_RELATIVE, true)) }
        waitFor("two codes behind the arrows") { hasText("1 / 2") }
        compose.onNodeWithContentDescription("下一个码").performClick()
        waitFor("her card") { hasText("2 / 2") }

        compose.onNodeWithText("移除").performScrollTo().performClick()
        waitFor("the question asked once more") { hasText("确定不再代领李*英的穗康码？") }
        save(compose.onRoot(), "remove-dependent-confirm")
        assertEquals("nothing removed before confirming", 2, runBlocking { app.codes() }.size)
        compose.onNodeWithText("确定移除").performClick()
        waitFor("removed") { hasText("已移除") }
        assertEquals("only my own code is left", 1, runBlocking { app.codes() }.size)
    }

    /**
     * A gate's scanner reads a bright, steady screen: while the card shows,
     * the window is at full brightness and kept on, and both are given back
     * when a form opens over it. At the largest font size on a small phone
     * the QR still stands whole on the screen, and scans.
     */
    @Test
    @FontScale(2.0f)
    @Config(qualifiers = "w320dp-h568dp-xhdpi")
    fun atTheLargestTextTheQrStaysWholeAndTheScreenStaysBrightWhileItShows() {
        val model = showApp()
        assertEquals(2.0f, compose.activity.resources.configuration.fontScale)
        val window = compose.activity.window
        fun keptOn() = window.attributes.flags and WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON != 0
        signIn(People.adult())
        assertTrue("no code yet: the screen as the person set it", !keptOn())
        applyForOwnCode(model)
        waitFor("the screen raised while the code shows") { keptOn() }
        assertEquals(WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL, window.attributes.screenBrightness)

        compose.waitForIdle()
        val qr = compose.onNodeWithTag(QR_TAG).fetchSemanticsNode().boundsInRoot
        val screen = compose.onRoot().fetchSemanticsNode().boundsInRoot
        assertTrue(
            "the QR ($qr) stands whole inside the screen ($screen)",
            qr.width > 0 && qr.left >= screen.left && qr.top >= screen.top && qr.right <= screen.right && qr.bottom <= screen.bottom,
        )
        assertCardVerifiesAs(Color.BLUE, Verdict.PASS, "large-text-card")

        compose.onNodeWithText("代申领").performScrollTo().performClick()
        waitFor("the screen given back while the form shows") { !keptOn() }
        assertEquals(WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_NONE, window.attributes.screenBrightness)
        compose.onNodeWithText("返回").performScrollTo().performClick()
        waitFor("raised again back on the card") { keptOn() }
        assertEquals(WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL, window.attributes.screenBrightness)
    }

    companion object {
        private val server = ServerProcess().start()

        @JvmStatic
        @AfterClass
        fun stopServer() = server.close()
    }
}
