import Suikang
import SwiftUI

/// The iOS app: the same screens as Android, drawn from the same core.
/// Secrets: the core's own keychain store (protected data keychain), so
/// no SecretStore is passed.
@main
struct SuikangApp: SwiftUI.App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView().environmentObject(model)
        }
    }
}

@MainActor
final class AppModel: ObservableObject {
    @Published var screen: Screen = .noCode(banner: nil)
    @Published var failure: SuikangError?
    @Published var busy = false
    /// The language of the core's texts: the phone's locale as the core reads it
    /// (zh-HK, zh-MO, zh-TW and the Hant script: Traditional Chinese); the person may switch.
    @Published var language: Language = languageForLocale(tag: Locale.current.identifier)
    let face: VendorFaceVerifier
    let app: Suikang.App
    /// The server the app signs in with (a debug build's face simulator runs there).
    let serverUrl: String

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("suikang")
        let info = Bundle.main.infoDictionary ?? [:]
        let url = info["SuikangServerURL"] as? String ?? "https://api.suikang.example"
        serverUrl = url
        let config = AppConfig(
            dataDir: dir.path,
            serverUrl: url,
            trustRoots: (info["SuikangTrustRoots"] as? String ?? "").split(separator: ",").map(String.init),
            pinnedServerKey: nil,
            keystoreService: Bundle.main.bundleIdentifier ?? "cn.suikang.app",
            network: nil
        )
        // Opening reads the cache and keychain only; a failure here is fatal.
        // Locals first: no stored property is read before all are set.
        let verifier = VendorFaceVerifier()
        face = verifier
        app = try! Suikang.App(config: config, face: verifier, secrets: nil)
        Task { [weak self] in
            guard let self else { return }
            for await screen in app.screens() { self.screen = screen }
        }
        Task { _ = try? await app.sync() }
    }

    /// A screen text in the language on screen.
    func text(_ text: UiText) -> String { language.text(text) }

    func act(_ body: @escaping (Suikang.App) async throws -> Void) {
        Task {
            busy = true
            defer { busy = false }
            do { try await body(app) } catch let e as SuikangError { failure = e } catch {}
        }
    }
}

extension Language {
    /// The core's words for the screens (issue 15): Swift holds none of its own.
    func text(_ text: UiText) -> String { uiText(text: text, language: self) }
}
