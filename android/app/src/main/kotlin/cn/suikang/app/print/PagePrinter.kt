package cn.suikang.app.print

import android.content.Context
import android.content.Intent
import android.graphics.BitmapFactory
import androidx.core.content.FileProvider
import androidx.print.PrintHelper
import java.io.File

/** Sends a dependent's printed page (打印版) to a printer or a share sheet. */
object PagePrinter {
    /** The 300 dpi A4 PNG the core drew, fitted to the paper. */
    fun print(context: Context, png: ByteArray) {
        val bitmap = BitmapFactory.decodeByteArray(png, 0, png.size) ?: return
        PrintHelper(context).apply {
            scaleMode = PrintHelper.SCALE_MODE_FIT
            colorMode = PrintHelper.COLOR_MODE_COLOR
        }.printBitmap("穗康码 打印版", bitmap)
    }

    /** The PDF through the share sheet (to a print shop, a relative). */
    fun share(context: Context, pdf: ByteArray) {
        val dir = File(context.cacheDir, "pages").apply { mkdirs() }
        // One file, overwritten: no pile of pages with masked identities in the cache.
        val file = File(dir, "suikang-printed.pdf").apply { writeBytes(pdf) }
        val uri = FileProvider.getUriForFile(context, "${context.packageName}.pages", file)
        val send = Intent(Intent.ACTION_SEND)
            .setType("application/pdf")
            .putExtra(Intent.EXTRA_STREAM, uri)
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        context.startActivity(Intent.createChooser(send, "分享打印版").addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
    }
}
