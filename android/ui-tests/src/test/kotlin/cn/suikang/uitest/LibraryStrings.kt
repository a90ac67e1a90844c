package cn.suikang.uitest

import android.content.Context
import android.content.ContextWrapper
import android.content.res.Resources
import java.util.Properties

/**
 * The AndroidX libraries' own strings (material3's "Error", accessibility
 * labels), which a Gradle build links into the app's resources with aapt2.
 * There is no aapt2 here (it comes from Google's Maven), so Robolectric
 * has no resource table for them; aars.py wrote them out with the ids of
 * the R classes it generated, and this context serves them to Compose
 * (which reads them through LocalContext.current.resources).
 */
class LibraryStringsContext(base: Context) : ContextWrapper(base) {
    @Suppress("DEPRECATION")
    private val resources = object : Resources(base.assets, base.resources.displayMetrics, base.resources.configuration) {
        override fun getText(id: Int): CharSequence = strings[id] ?: super.getText(id)
        override fun getString(id: Int): String = strings[id] ?: super.getString(id)
        override fun getString(id: Int, vararg formatArgs: Any?): String =
            strings[id]?.let { String.format(configuration.locales[0], it, *formatArgs) } ?: super.getString(id, *formatArgs)
    }

    override fun getResources(): Resources = resources

    private companion object {
        val strings: Map<Int, String> by lazy {
            val properties = Properties()
            val stream = LibraryStringsContext::class.java.classLoader!!.getResourceAsStream("aar-strings.properties")
                ?: error("aar-strings.properties is missing: aars.py did not run")
            stream.reader(Charsets.UTF_8).use { properties.load(it) }
            properties.entries.associate { (k, v) -> (k as String).toInt() to v as String }
        }
    }
}

/** The activity the Compose rule launches, with the libraries' strings (dialogs included). */
class ScreenTestActivity : androidx.activity.ComponentActivity() {
    override fun attachBaseContext(base: Context) {
        super.attachBaseContext(LibraryStringsContext(base))
    }
}
