import Foundation
import WebKit

/// A dependent's printed page (打印版) as an A4 PDF.
///
/// The phone library draws the page as SVG only (its renderers would push
/// the library past 6 MB); WebKit lays the SVG out with the system's own
/// fonts (PingFang SC) and writes the PDF (`createPDF`, iOS 14+), which the
/// app prints (`UIPrintInteractionController`) or shares.
@MainActor
final class PagePDF: NSObject, WKNavigationDelegate {
    /// A4 in points.
    private static let a4 = CGRect(x: 0, y: 0, width: 595.28, height: 841.89)

    private let webView = WKWebView(frame: PagePDF.a4)
    private var continuation: CheckedContinuation<Data, Error>?

    static func make(svg: Data) async throws -> Data {
        try await PagePDF().render(svg)
    }

    private func render(_ svg: Data) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            self.continuation = continuation
            webView.navigationDelegate = self
            webView.loadHTMLString(PagePDF.html(svg), baseURL: nil)
        }
    }

    /// The core's A4 SVG as a one-page document: no margins, the page's own size.
    static func html(_ svg: Data) -> String {
        var markup = String(decoding: svg, as: UTF8.self)
        if let declaration = markup.range(of: "?>") {
            markup = String(markup[declaration.upperBound...])
        }
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            + "<style>@page{size:A4;margin:0}html,body{margin:0;padding:0}"
            + "svg{display:block;width:595.28pt;height:841.89pt}</style></head><body>"
            + markup + "</body></html>"
    }

    func webView(_ webView: WKWebView, didFinish navigation: WKNavigation!) {
        let configuration = WKPDFConfiguration()
        configuration.rect = PagePDF.a4
        webView.createPDF(configuration: configuration) { result in
            self.finish(result)
        }
    }

    func webView(_ webView: WKWebView, didFail navigation: WKNavigation!, withError error: Error) {
        finish(.failure(error))
    }

    func webView(
        _ webView: WKWebView, didFailProvisionalNavigation navigation: WKNavigation!, withError error: Error
    ) {
        finish(.failure(error))
    }

    private func finish(_ result: Result<Data, Error>) {
        continuation?.resume(with: result)
        continuation = nil
    }
}
