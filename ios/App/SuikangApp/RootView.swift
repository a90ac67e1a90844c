import Suikang
import SwiftUI

struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        switch model.screen {
        case .signedOut(let banner): LoginView(banner: banner)
        case .noCode(let banner):
            VStack(spacing: 16) {
                LanguageSwitch()
                BannerView(banner: banner)
                Text(model.text(.noCodeYet))
                Button(model.text(.applyForOwnCode)) { model.act { _ = try await $0.applySelf() } }
            }
        case .code(let code): CodeView(code: code)
        }
    }
}

/// 简体 / 繁體 / EN: the core's texts in the language the person reads.
struct LanguageSwitch: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        HStack {
            ForEach([Language.zhHans, .zhHant, .en], id: \.self) { language in
                Button(languageName(language: language)) { model.language = language }
                    .disabled(model.language == language)
            }
        }
    }
}

struct BannerView: View {
    @EnvironmentObject var model: AppModel
    let banner: Banner?
    var body: some View {
        if let banner {
            Text(bannerText(banner: banner, language: model.language))
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

    @Environment(\.dynamicTypeSize) private var typeSize
    @Environment(\.scenePhase) private var scenePhase
    private var language: Language { model.language }

    var body: some View {
        ScrollView {
            VStack(spacing: 12) {
                LanguageSwitch()
                BannerView(banner: code.banner)
                HStack {
                    Button { model.act { _ = try await $0.previous() } } label: { Image(systemName: "chevron.left") }
                        .accessibilityLabel(arrowLabel(arrow: .previous, language: language))
                        .disabled(!code.hasPrevious)
                    card
                    Button { model.act { _ = try await $0.next() } } label: { Image(systemName: "chevron.right") }
                        .accessibilityLabel(arrowLabel(arrow: .next, language: language))
                        .disabled(!code.hasNext)
                }
                if code.count > 1 { Text("\(code.index + 1) / \(code.count)") }
                HStack {
                    Button(language.text(.dependents)) { guardianSheet = .dependents }
                    Button(language.text(.joinRequests)) { guardianSheet = .joinRequests }
                }
                HStack {
                    Button(language.text(.healthDeclaration)) { guardianSheet = .declare }
                    Button(language.text(.applyForDependent)) { guardianSheet = .applyProxy }
                }
                if code.actions.contains(.print) {
                    HStack {
                        Button(language.text(.print)) { printPage(share: false) }
                        Button(language.text(.share)) { printPage(share: true) }
                        if let url = printedPDF { ShareLink(item: url) }
                    }
                }
            }
            .padding()
        }
        .task { for await text in liveClock() { clock = text } }
        // Full brightness and the screen kept on while the code shows, so a
        // gate's scanner reads it; the person's brightness back when it goes
        // (the decision: android/shared `CodeScreenLight`, mirrored here).
        .onAppear { CodeScreenLight.shared.update(codeShown: scenePhase == .active) }
        .onDisappear { CodeScreenLight.shared.update(codeShown: false) }
        .onChange(of: scenePhase) { phase in CodeScreenLight.shared.update(codeShown: phase == .active) }
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
        // At the accessibility text sizes the QR comes first, so large text
        // never pushes it off the screen: it stays whole, at most 280 pt.
        let qr = QrView(qr: code.qr, dark: Color(code.colors.qrDark), light: Color(code.colors.qrLight))
            .frame(maxWidth: 280)
            .layoutPriority(1)
        return VStack(spacing: 8) {
            if typeSize.isAccessibilitySize { qr }
            Text(pick(code.titleZh, code.titleZhHant, code.titleEn)).font(.title2).foregroundColor(onCard)
            Text(clock ?? code.clockText).font(.title3.monospacedDigit().bold()).foregroundColor(onCard)
            if !typeSize.isAccessibilitySize { qr }
            Text(pick(code.statusZh, code.statusZhHant, code.statusEn)).foregroundColor(onCard)
            ForEach(code.reasons, id: \.reason) { Text(pick($0.zh, $0.zhHant, $0.en)).foregroundColor(onCard) }
            Text("\(code.maskedName)  \(code.maskedDocument)").foregroundColor(onCard)
            // The issuer's name comes from its trust list, in Chinese and English only.
            Text(language == .en ? code.issuerNameEn : code.issuerNameZh).font(.caption).foregroundColor(onCard)
            // 离线有效至 …, and for a dependent the printed page's end: texts from the core.
            ForEach([code.offlineValidity, code.printedValidity].compactMap { $0 }, id: \.en) { note in
                Text(pick(note.zh, note.zhHant, note.en)).font(.caption).bold(note.ended).foregroundColor(onCard)
            }
        }
        .padding(20)
        .frame(maxWidth: .infinity)
        .background(Color(code.colors.card))
        .clipShape(RoundedRectangle(cornerRadius: 16))
    }

    /// The core's text in the language on screen.
    private func pick(_ zhHans: String, _ zhHant: String, _ en: String) -> String {
        switch language {
        case .zhHans: return zhHans
        case .zhHant: return zhHant
        case .en: return en
        }
    }

    private func printPage(share: Bool) {
        let codeId = code.codeId
        model.act { app in
            // The library draws the page as SVG; WebKit lays it out with the
            // system's fonts (PingFang SC) into an A4 PDF.
            let svg = try await app.print(codeId: codeId, format: .svg)
            let pdf = try await PagePDF.make(svg: svg)
            let jobName = await MainActor.run { model.text(.printedCodeTitle) }
            await MainActor.run {
                if share {
                    let url = FileManager.default.temporaryDirectory.appendingPathComponent("suikang-printed.pdf")
                    try? pdf.write(to: url)
                    printedPDF = url
                } else {
                    let controller = UIPrintInteractionController.shared
                    let info = UIPrintInfo(dictionary: nil)
                    info.jobName = jobName
                    controller.printInfo = info
                    controller.printingItem = pdf
                    controller.present(animated: true)
                }
            }
        }
    }
}

/// 实名认证 with any document (visitors: passport or permit) and the handoff to the vendor's face check.
struct LoginView: View {
    @EnvironmentObject var model: AppModel
    let banner: Banner?
    @State private var name = ""
    @State private var kind = DocumentKind.residentId
    @State private var number = ""
    private let kinds: [DocumentKind] = [.residentId, .passport, .hkMacaoPermit, .taiwanPermit]

    var body: some View {
        FaceCheckHost(face: model.face) {
            Form {
                LanguageSwitch()
                BannerView(banner: banner)
                Text(model.text(.signInTitle)).font(.headline)
                TextField(model.text(.name), text: $name)
                Picker(model.text(.document), selection: $kind) {
                    ForEach(kinds, id: \.self) { Text(documentKindLabel(kind: $0, language: model.language)).tag($0) }
                }
                TextField(model.text(.documentNumber), text: $number)
                Button(model.text(.signInWithFaceCheck)) {
                    let (n, k, d) = (name, kind, number)
                    model.act { _ = try await $0.login(name: n, kind: k, number: d) }
                }
                .disabled(model.busy)
                if let failure = model.failure { Text(failureText(failure, language: model.language)) }
            }
        }
    }
}

/// What a screen says for an error, by its kind (android/shared `failureText`).
func failureText(_ error: SuikangError, language: Language) -> String {
    switch error {
    case .UnknownDistrict: return language.text(.unknownDistrictPickFromList)
    case .InvalidDocumentNumber, .InvalidName, .InvalidArgument: return language.text(.checkNameAndNumber)
    case .FaceMismatch, .LivenessFailed, .FaceCheckCancelled, .FaceCheckFailed, .ChallengeExpired:
        return language.text(.faceCheckFailedTryAgain)
    case .LockedOut: return language.text(.tooManyAttemptsWait)
    case .NotSignedIn, .SignedInElsewhere, .SessionEnded: return language.text(.signInAgain)
    case .NetworkUnavailable, .ServerUnavailable, .BadServerResponse: return language.text(.noNetwork)
    case .Refused, .CodeNotFound, .NoCodeYet: return language.text(.refused)
    default: return error.localizedDescription
    }
}

struct FaceCheckHost<Content: View>: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var face: VendorFaceVerifier
    @ViewBuilder var content: Content

    var body: some View {
        content.sheet(item: $face.pending) { capture in
            VStack(spacing: 16) {
                Text(model.text(.faceCheckTitle)).font(.title)
                Text(model.text(.faceCheckInstructions) + capture.challenge.livenessActions.joined(separator: "、"))
                Button(model.text(.start)) { start(capture) }
                Button(model.text(.cancel)) { face.cancel(capture) }
            }
            .padding()
        }
    }

    /// The build's capture: the server's simulator in debug, the vendor SDK in release.
    private func start(_ capture: VendorFaceVerifier.Capture) {
        #if DEBUG
        let serverUrl = model.serverUrl
        Task { @MainActor in
            do {
                face.complete(capture, with: try await SimulatorFaceCapture.capture(capture.challenge, serverUrl: serverUrl))
            } catch let e as SuikangError {
                face.fail(capture, reason: "\(e)")
            } catch {
                face.fail(capture, reason: "the face simulator failed")
            }
        }
        #else
        // Replace with the vendor SDK's capture view ("VENDOR SDK PLUGS IN HERE").
        face.fail(capture, reason: "no face vendor SDK in this build")
        #endif
    }
}
