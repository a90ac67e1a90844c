package cn.suikang.app.presentation

import cn.suikang.ffi.Banner
import cn.suikang.ffi.CodeScreen
import cn.suikang.ffi.Rgba
import cn.suikang.ffi.Screen
import cn.suikang.ffi.ScreenAction
import cn.suikang.ffi.ValidityNote
import cn.suikang.ffi.bannerText
import cn.suikang.ffi.languageForLocale
import cn.suikang.ffi.Language as CoreLanguage
import java.time.Instant

/**
 * What Compose draws, made from the core's screen model. Pure Kotlin (no
 * Android imports) so the same file is compiled into the Android app and
 * tested on the desktop JVM (android/host-tests).
 *
 * No business rule lives here: colours, texts, banners, arrows and actions
 * all come from the core; this only picks the language and packs colours
 * the way Compose takes them.
 */
enum class Language {
    /** Simplified Chinese. */
    ZH,
    /** Traditional Chinese: visitors from Hong Kong, Macao and Taiwan (来穗人员). */
    ZH_HANT,
    EN,
    ;

    /** Picks this language's text of the core's three. */
    fun pick(zh: String, zhHant: String, en: String): String = when (this) {
        ZH -> zh
        ZH_HANT -> zhHant
        EN -> en
    }

    /** The core's name for this language, for the texts the core looks up. */
    val core: CoreLanguage get() = when (this) {
        ZH -> CoreLanguage.ZH_HANS
        ZH_HANT -> CoreLanguage.ZH_HANT
        EN -> CoreLanguage.EN
    }
}

/** A colour as Compose's `Color(argb: Int)` takes it. */
@JvmInline
value class Argb(val value: Int) {
    val alpha: Int get() = (value ushr 24) and 0xff
    val red: Int get() = (value ushr 16) and 0xff
    val green: Int get() = (value ushr 8) and 0xff
    val blue: Int get() = value and 0xff

    companion object {
        fun of(c: Rgba): Argb = Argb(
            (c.a.toInt() shl 24) or (c.r.toInt() shl 16) or (c.g.toInt() shl 8) or c.b.toInt(),
        )
    }
}

/** The QR modules, with the quiet zone the drawing must leave light. */
class QrModules(val size: Int, val quietZone: Int, private val modules: ByteArray) {
    init {
        require(modules.size == size * size) { "a QR matrix is size × size modules" }
    }

    fun isDark(x: Int, y: Int): Boolean = modules[y * size + x].toInt() == 1

    /** Modules across, quiet zone included: the canvas is divided by this. */
    val sideWithQuietZone: Int get() = size + 2 * quietZone

    /** The dark modules' runs per row, fewer rectangles for the canvas to fill. */
    fun darkRuns(): List<Run> {
        val n = size // not buildList's own `size`
        return buildList {
            for (y in 0 until n) {
                var x = 0
                while (x < n) {
                    if (isDark(x, y)) {
                        val start = x
                        while (x < n && isDark(x, y)) x++
                        add(Run(y, start, x - start))
                    } else {
                        x++
                    }
                }
            }
        }
    }

    data class Run(val row: Int, val column: Int, val length: Int)
}

data class BannerState(val text: String, val isWarning: Boolean)

/** One of the card's validity lines, in the person's language; [ended] draws it as a warning. */
data class ValidityLine(val text: String, val ended: Boolean)

fun ValidityNote.toLine(language: Language): ValidityLine = ValidityLine(language.pick(zh, zhHant, en), ended)

data class CodeCardState(
    val codeId: String,
    val title: String,
    val maskedName: String,
    val maskedDocument: String,
    val status: String,
    val reasons: List<String>,
    val issuerName: String,
    val cardColor: Argb,
    val onCardColor: Argb,
    val qrDark: Argb,
    val qrLight: Argb,
    val qr: QrModules,
    /** The clock as the core last drew it; [LiveClock] ticks it every second. */
    val clock: String,
    val lastSynced: String?,
    /** 离线有效至 …: until when this code works at a checkpoint without the network. */
    val offlineValidity: ValidityLine?,
    /** A dependent's page printed on this phone: until when it is accepted (reprint by then). */
    val printedValidity: ValidityLine?,
    val banner: BannerState?,
    /** "2 / 3" under the arrows; null with a single code. */
    val position: String?,
    val showPrevious: Boolean,
    val showNext: Boolean,
    val canPrint: Boolean,
    val canDeclare: Boolean,
    val canRemove: Boolean,
    /** Ask the core for a fresh screen at this time. */
    val refreshAt: Instant,
)

sealed interface HomeState {
    data class SignedOut(val banner: BannerState?) : HomeState
    data class NoCode(val banner: BannerState?) : HomeState
    data class Code(val card: CodeCardState) : HomeState
}

fun Banner.toState(language: Language): BannerState = BannerState(
    text = bannerText(this, language.core),
    isWarning = true,
)

fun Screen.toHomeState(language: Language): HomeState = when (this) {
    is Screen.SignedOut -> HomeState.SignedOut(banner?.toState(language))
    is Screen.NoCode -> HomeState.NoCode(banner?.toState(language))
    is Screen.Code -> HomeState.Code(code.toCardState(language))
}

fun CodeScreen.toCardState(language: Language): CodeCardState {
    val zh = language != Language.EN
    return CodeCardState(
        codeId = codeId,
        title = language.pick(titleZh, titleZhHant, titleEn),
        maskedName = maskedName,
        maskedDocument = maskedDocument,
        status = language.pick(statusZh, statusZhHant, statusEn),
        reasons = reasons.map { language.pick(it.zh, it.zhHant, it.en) },
        // The issuer's name comes from its trust list, in Chinese and English only.
        issuerName = if (zh) issuerNameZh else issuerNameEn,
        cardColor = Argb.of(colors.card),
        onCardColor = Argb.of(colors.onCard),
        qrDark = Argb.of(colors.qrDark),
        qrLight = Argb.of(colors.qrLight),
        qr = QrModules(qr.size.toInt(), qr.quietZone.toInt(), qr.modules),
        clock = clockText,
        lastSynced = lastSyncedText,
        offlineValidity = offlineValidity?.toLine(language),
        printedValidity = printedValidity?.toLine(language),
        banner = banner?.toState(language),
        position = if (count.toInt() > 1) "${index.toInt() + 1} / ${count.toInt()}" else null,
        showPrevious = hasPrevious,
        showNext = hasNext,
        canPrint = ScreenAction.PRINT in actions,
        canDeclare = ScreenAction.DECLARE in actions,
        canRemove = ScreenAction.REMOVE_DEPENDENT in actions,
        refreshAt = refreshAt,
    )
}

/**
 * The language of the core's texts for the system locale, as the core
 * decides it: zh-HK, zh-MO, zh-TW and the Hant script read Traditional
 * Chinese, other Chinese Simplified, everyone else English. The person can
 * switch in the app afterwards.
 */
fun languageFor(locale: java.util.Locale): Language = when (languageForLocale(locale.toLanguageTag())) {
    CoreLanguage.ZH_HANS -> Language.ZH
    CoreLanguage.ZH_HANT -> Language.ZH_HANT
    CoreLanguage.EN -> Language.EN
}
