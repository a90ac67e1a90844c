package cn.suikang.app.print

import android.content.Context
import android.print.PrintAttributes
import android.print.PrintManager
import android.webkit.WebView
import android.webkit.WebViewClient

/**
 * Sends a dependent's printed page (打印版) to Android's print framework.
 *
 * The phone library draws the page as SVG only (the renderers would push it
 * past 6 MB): a WebView lays it out with the platform's own CJK fonts, and
 * the print dialog sends it to a printer or saves it as a PDF to share.
 */
object PagePrinter {
    /** The WebView being printed: it must live until the print job has its pages. */
    private var printing: WebView? = null

    fun print(context: Context, svg: ByteArray, jobName: String) {
        val webView = WebView(context)
        webView.webViewClient = object : WebViewClient() {
            override fun onPageFinished(view: WebView, url: String?) {
                val manager = context.getSystemService(Context.PRINT_SERVICE) as PrintManager
                val attributes = PrintAttributes.Builder()
                    .setMediaSize(PrintAttributes.MediaSize.ISO_A4)
                    .setColorMode(PrintAttributes.COLOR_MODE_COLOR)
                    .setMinMargins(PrintAttributes.Margins.NO_MARGINS)
                    .build()
                manager.print(jobName, view.createPrintDocumentAdapter("suikang-printed"), attributes)
            }
        }
        printing = webView
        webView.loadDataWithBaseURL(null, html(svg), "text/html", "UTF-8", null)
    }

    /** The core's A4 SVG as a one-page document: no margins, the page's own size. */
    fun html(svg: ByteArray): String =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">" +
            "<style>@page{size:A4;margin:0}html,body{margin:0;padding:0}" +
            "svg{display:block;width:210mm;height:297mm}</style></head><body>" +
            String(svg, Charsets.UTF_8).substringAfter("?>").trim() +
            "</body></html>"
}
