// swift-tools-version:5.9
// The Suikang core for iOS: the XCFramework (static libsuikang_ffi + C
// header and modulemap) and a Swift target with the generated bindings
// (Sources/Suikang/generated, made by build-xcframework.sh, never committed)
// plus the hand-written Swift around them.
//
// Build the framework first, on a Mac with Xcode and Rust:
//   ios/build-xcframework.sh
import PackageDescription

let package = Package(
    name: "Suikang",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Suikang", targets: ["Suikang"]),
    ],
    targets: [
        .binaryTarget(name: "suikang_ffiFFI", path: "build/SuikangFFI.xcframework"),
        .target(
            name: "Suikang",
            dependencies: ["suikang_ffiFFI"],
            path: "Sources/Suikang"
        ),
    ]
)
