import Suikang
import SwiftUI

struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        switch model.screen {
        case .signedOut(let banner): LoginView(banner: banner)
        case .noCode(let banner):
            VStack(spacing: 16) {
                BannerView(banner: banner)
                Text("还没有穗康码 / No code yet")
                Button("申领穗康码 / Apply") { model.act { _ = try await $0.applySelf() } }
            }
        case .code(let code): CodeView(code: code)
        }
    }
}

struct BannerView: View {
    let banner: Banner?
    var body: some View {
        if let banner {
            Text(bannerText(banner: banner, language: Locale.current.language.languageCode?.identifier == "zh" ? .zhHans : .en))
                .frame(maxWidth: .infinity)
                .padding(12)
                .background(Color(red: 1, green: 0.95, blue: 0.8))
        }
    }
}

extension Color {
    init(_ c: Rgba) {
        self.init(.sRGB, red: Double(c.r) / 255, green: Double(c.g) / 255, blue: Double(c.b) / 255,
                  opacity: Double(c.a) / 255)
    }
}

/// The QR matrix drawn module by module on its light panel, quiet zone included.
struct QrView: View {
    let qr: QrMatrix
    let dark: Color
    let light: Color

    var body: some View {
        Canvas { context, size in
            let side = Int(qr.size + 2 * qr.quietZone)
            let module = size.width / CGFloat(side)
            let origin = CGFloat(qr.quietZone) * module
            context.fill(Path(CGRect(origin: .zero, size: size)), with: .color(light))
            var path = Path()
            for y in 0..<Int(qr.size) {
                for x in 0..<Int(qr.size) where qr.isDark(x: x, y: y) {
                    path.addRect(CGRect(x: origin + CGFloat(x) * module, y: origin + CGFloat(y) * module,
                                        width: module + 0.5, height: module + 0.5))
                }
            }
            context.fill(path, with: .color(dark))
        }
        .aspectRatio(1, contentMode: .fit)
    }
}

/// My code first, dependents behind the arrows (问题五); print or share a dependent's page.
struct CodeView: View {
    @EnvironmentObject var model: AppModel
    let code: CodeScreen
    @State private var clock: String?
    @State private var printedPDF: URL?
    @State private var guardianSheet: GuardianSheet?

    enum GuardianSheet: String, Identifiable {
        case dependents, joinRequests, applyProxy, declare
        var id: String { rawValue }
    }

    private var zh: Bool { Locale.current.language.languageCode?.identifier == "zh" }

    var body: some View {
        ScrollView {
            VStack(spacing: 12) {
                BannerView(banner: code.banner)
                HStack {
                    Button { model.act { _ = try await $0.previous() } } label: { Image(systemName: "chevron.left") }
                        .accessibilityLabel(arrowLabel(arrow: .previous, language: coreLanguage))
                        .disabled(!code.hasPrevious)
                    card
                    Button { model.act { _ = try await $0.next() } } label: { Image(systemName: "chevron.right") }
                        .accessibilityLabel(arrowLabel(arrow: .next, language: coreLanguage))
                        .disabled(!code.hasNext)
                }
                if code.count > 1 { Text("\(code.index + 1) / \(code.count)") }
                HStack {
                    Button("被代领人 / Dependents") { guardianSheet = .dependents }
                    Button("加入申请 / Join requests") { guardianSheet = .joinRequests }
                }
                HStack {
                    Button("健康申报 / Declare") { guardianSheet = .declare }
                    Button("代申领 / Apply for a dependent") { guardianSheet = .applyProxy }
                }
                if code.actions.contains(.print) {
                    HStack {
                        Button("打印 / Print") { printPage(share: false) }
                        Button("分享 / Share") { printPage(share: true) }
                        if let url = printedPDF { ShareLink(item: url) }
                    }
                }
            }
            .padding()
        }
        .task { for await text in liveClock() { clock = text } }
        .sheet(item: $guardianSheet) { sheet in
            NavigationStack {
                switch sheet {
                case .dependents: DependentsView(model: DependentsModel(app: model.app))
                case .joinRequests: JoinRequestsView(model: JoinRequestsModel(app: model.app))
                case .applyProxy: ProxyApplicationView()
                // One's own code: no code id; a dependent's: theirs.
                case .declare: DeclarationView(codeId: code.role == .dependent ? code.codeId : nil)
                }
            }
            .environmentObject(model)
        }
    }

    private var card: some View {
        let onCard = Color(code.colors.onCard)
        return VStack(spacing: 8) {
            Text(zh ? code.titleZh : code.titleEn).font(.title2).foregroundColor(onCard)
            Text(clock ?? code.clockText).font(.title3.monospacedDigit().bold()).foregroundColor(onCard)
            QrView(qr: code.qr, dark: Color(code.colors.qrDark), light: Color(code.colors.qrLight))
                .frame(maxWidth: 280)
            Text(zh ? code.statusZh : code.statusEn).foregroundColor(onCard)
            ForEach(code.reasons, id: \.reason) { Text(zh ? $0.zh : $0.en).foregroundColor(onCard) }
            Text("\(code.maskedName)  \(code.maskedDocument)").foregroundColor(onCard)
            Text(zh ? code.issuerNameZh : code.issuerNameEn).font(.caption).foregroundColor(onCard)
            // 离线有效至 …, and for a dependent the printed page's end: texts from the core.
            ForEach([code.offlineValidity, code.printedValidity].compactMap { $0 }, id: \.en) { note in
                Text(text(note)).font(.caption).bold(note.ended).foregroundColor(onCard)
            }
        }
        .padding(20)
        .frame(maxWidth: .infinity)
        .background(Color(code.colors.card))
        .clipShape(RoundedRectangle(cornerRadius: 16))
    }

    private func text(_ note: ValidityNote) -> String {
        switch coreLanguage {
        case .zhHans: return note.zh
        case .zhHant: return note.zhHant
        case .en: return note.en
        }
    }

    private func printPage(share: Bool) {
        let codeId = code.codeId
        model.act { app in
            // The library draws the page as SVG; WebKit lays it out with the
            // system's fonts (PingFang SC) into an A4 PDF.
            let svg = try await app.print(codeId: codeId, format: .svg)
            let pdf = try await PagePDF.make(svg: svg)
            await MainActor.run {
                if share {
                    let url = FileManager.default.temporaryDirectory.appendingPathComponent("suikang-printed.pdf")
                    try? pdf.write(to: url)
                    printedPDF = url
                } else {
                    let controller = UIPrintInteractionController.shared
                    controller.printingItem = pdf
                    controller.present(animated: true)
                }
            }
        }
    }
}

/// 实名认证 and the handoff to the vendor's face check.
struct LoginView: View {
    @EnvironmentObject var model: AppModel
    let banner: Banner?
    @State private var name = ""
    @State private var number = ""

    var body: some View {
        FaceCheckHost(face: model.face) {
            Form {
                BannerView(banner: banner)
                TextField("姓名 / Name", text: $name)
                TextField("身份证号 / ID number", text: $number)
                Button("人脸识别登录 / Sign in with face check") {
                    let (n, d) = (name, number)
                    model.act { _ = try await $0.login(name: n, kind: .residentId, number: d) }
                }
                .disabled(model.busy)
                if let failure = model.failure { Text(failure.localizedDescription) }
            }
        }
    }
}

struct FaceCheckHost<Content: View>: View {
    @ObservedObject var face: VendorFaceVerifier
    @ViewBuilder var content: Content

    var body: some View {
        content.sheet(item: $face.pending) { capture in
            VStack(spacing: 16) {
                Text("人脸识别").font(.title)
                Text(capture.challenge.livenessActions.joined(separator: "、"))
                // Replace with the vendor SDK's capture view; this build has none.
                Button("开始 / Start") { face.fail(capture, reason: "no face vendor SDK in this build") }
                Button("取消 / Cancel") { face.cancel(capture) }
            }
            .padding()
        }
    }
}
