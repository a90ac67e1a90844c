package cn.suikang.app.presentation

/**
 * Full brightness and the screen kept on while a code is shown — a gate's
 * scanner reads a bright, steady screen — and the person's own brightness
 * back when it goes (issue 15). Pure Kotlin, tested on the desktop JVM: the
 * Android app applies each [Change] to its window (`screenBrightness`,
 * `FLAG_KEEP_SCREEN_ON`), the iOS app mirrors it (`CodeScreenLight.swift`:
 * `UIScreen.main.brightness`, `isIdleTimerDisabled`).
 */
class CodeScreenLight {
    /** What to set: [brightness] (the window's, as it takes it) and whether to keep the screen on. */
    data class Change(val brightness: Float, val keepOn: Boolean)

    /** The brightness before the code showed, while it shows. */
    private var before: Float? = null

    /** Raised now: full brightness, kept on. */
    val raised: Boolean get() = before != null

    /**
     * Whether a code is on screen now, and the window's [brightness] as it
     * is: the change to make, raised once and restored once (an arrow from
     * one code to the next changes nothing), or null when none.
     */
    fun update(codeShown: Boolean, brightness: Float): Change? {
        val saved = before
        return when {
            codeShown && saved == null -> {
                before = brightness
                Change(FULL, keepOn = true)
            }
            !codeShown && saved != null -> {
                before = null
                Change(saved, keepOn = false)
            }
            else -> null
        }
    }

    companion object {
        /** The window's full brightness (Android's `BRIGHTNESS_OVERRIDE_FULL`, iOS's 1.0). */
        const val FULL = 1f

        /**
         * A code is on screen: the code card, on the code page (not a form
         * over it), with the app in the foreground.
         */
        fun codeShown(home: HomeState, onCodePage: Boolean, inForeground: Boolean): Boolean =
            home is HomeState.Code && onCodePage && inForeground
    }
}
