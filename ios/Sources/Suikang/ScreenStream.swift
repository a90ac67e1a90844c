import Foundation

/// The code screen as an `AsyncStream`: the core's subscription (screen now,
/// then on every sync, arrow and ~30 s renewal) for as long as it is
/// iterated. Ending the iteration cancels the Rust task.
public extension AppProtocol {
    func screens(onError: @escaping @Sendable (SuikangError) -> Void = { _ in }) -> AsyncStream<Screen> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let listener = StreamListener(continuation: continuation, onError: onError)
            let handle = self.subscribe(listener: listener)
            continuation.onTermination = { _ in handle.cancel() }
        }
    }
}

private final class StreamListener: ScreenListener, @unchecked Sendable {
    let continuation: AsyncStream<Screen>.Continuation
    let onError: @Sendable (SuikangError) -> Void

    init(continuation: AsyncStream<Screen>.Continuation, onError: @escaping @Sendable (SuikangError) -> Void) {
        self.continuation = continuation
        self.onError = onError
    }

    func onScreen(screen: Screen) { continuation.yield(screen) }
    func onError(error: SuikangError) { onError(error) }
}

/// The live clock people check at gates, formatted by the core, each second.
public func liveClock() -> AsyncStream<String> {
    AsyncStream { continuation in
        let task = Task {
            while !Task.isCancelled {
                continuation.yield(clockText(at: Date()))
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
    }
}

public extension QrMatrix {
    func isDark(x: Int, y: Int) -> Bool { modules[y * Int(size) + x] == 1 }
}
