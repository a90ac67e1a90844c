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
    let face = VendorFaceVerifier()
    let app: Suikang.App

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("suikang")
        let info = Bundle.main.infoDictionary ?? [:]
        let config = AppConfig(
            dataDir: dir.path,
            serverUrl: info["SuikangServerURL"] as? String ?? "https://api.suikang.example",
            trustRoots: (info["SuikangTrustRoots"] as? String ?? "").split(separator: ",").map(String.init),
            pinnedServerKey: nil,
            keystoreService: Bundle.main.bundleIdentifier ?? "cn.suikang.app",
            network: nil
        )
        // Opening reads the cache and keychain only; a failure here is fatal.
        app = try! Suikang.App(config: config, face: face, secrets: nil)
        Task { [weak self] in
            guard let self else { return }
            for await screen in app.screens() { self.screen = screen }
        }
        Task { _ = try? await app.sync() }
    }

    func act(_ body: @escaping (Suikang.App) async throws -> Void) {
        Task {
            busy = true
            defer { busy = false }
            do { try await body(app) } catch let e as SuikangError { failure = e } catch {}
        }
    }
}
