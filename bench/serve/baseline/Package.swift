// swift-tools-version:6.1
import Foundation
import PackageDescription

/// The framework's ceiling for bench/serve: a Hummingbird 2 server with nothing of gnn-serve in it, built
/// as gnn-serve is (same Hummingbird requirement and traits, release, `-target-cpu native` unless
/// GNN_TARGET_CPU says otherwise). A package of its own so that it is no product of gnn-serve's.
/// `bash bench/serve/baseline.sh` builds and measures it beside `gnn-serve serve`.
let targetCPU = ProcessInfo.processInfo.environment["GNN_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 } ?? "native"
let cpuFlags: [SwiftSetting] = targetCPU == "portable"
    ? [] : [.unsafeFlags(["-target-cpu", targetCPU], .when(configuration: .release))]

let package = Package(
    name: "hb-baseline",
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "hb-baseline",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: cpuFlags),
    ],
    swiftLanguageModes: [.v6]
)
