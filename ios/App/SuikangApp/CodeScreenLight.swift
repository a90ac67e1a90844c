import UIKit

/// Full brightness and the screen kept on while a code shows (a gate's
/// scanner reads a bright, steady screen), the person's own brightness back
/// when it goes or the app leaves the foreground. Mirrors android/shared
/// `CodeScreenLight`: raise once, remember what was before, restore once.
@MainActor
final class CodeScreenLight {
    static let shared = CodeScreenLight()
    private var before: CGFloat?

    func update(codeShown: Bool) {
        if codeShown, before == nil {
            before = UIScreen.main.brightness
            UIScreen.main.brightness = 1
            UIApplication.shared.isIdleTimerDisabled = true
        } else if !codeShown, let brightness = before {
            before = nil
            UIScreen.main.brightness = brightness
            UIApplication.shared.isIdleTimerDisabled = false
        }
    }
}
