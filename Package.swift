// swift-tools-version:6.1
import Foundation
import PackageDescription

/// Release builds target the CPU of the machine that builds them (`-target-cpu native`), so that the kernels
/// use its vector units (AVX2 and FMA, AVX-512, or the arm64 core's own features): the README's commands are
/// fast by default. For a binary that runs on any CPU of the architecture (Swift's baseline: x86-64 or
/// generic arm64), for distribution, set `GNN_TARGET_CPU=portable`; any other value is an LLVM CPU name,
/// e.g. `GNN_TARGET_CPU=x86-64-v3` for every AVX2 + FMA machine. Debug builds are never CPU-specific.
let targetCPU = ProcessInfo.processInfo.environment["GNN_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 } ?? "native"
let cpuFlags: [SwiftSetting] = targetCPU == "portable"
    ? [] : [.unsafeFlags(["-target-cpu", targetCPU], .when(configuration: .release))]

let package = Package(
    name: "gnn-serve",
    products: [
        .executable(name: "gnn-serve", targets: ["gnn-serve"]),
        .executable(name: "gnn-export", targets: ["gnn-export"]),
        .executable(name: "gnn-bench", targets: ["gnn-bench"]),
        .library(name: "GNNFormats", targets: ["GNNFormats"]),
        .library(name: "GNNImport", targets: ["GNNImport"]),
        .library(name: "GNNExport", targets: ["GNNExport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The inference server (`gnn-serve serve`): HTTP, metrics, logs and signal handling. Hummingbird's
        // default traits pull in swift-configuration, which the server does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // System libraries, each a module map over one shim header.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .systemLibrary(name: "CGzip", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMetis", providers: [.apt(["libmetis-dev"])]),
        .systemLibrary(name: "CPrefetch"),
        .systemLibrary(name: "CHalfVectors"),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

        // The one home of unchecked concurrency: the transfer wrapper and the parallel loop.
        .target(name: "GNNConcurrency", swiftSettings: cpuFlags),

        // The pipeline: file formats → importers that build graph files.
        .target(
            name: "GNNFormats",
            dependencies: ["GNNConcurrency", "CZstd", "CXXHash", "CGzip"],
            swiftSettings: cpuFlags),
        .target(
            name: "GNNKernels",
            dependencies: ["GNNConcurrency", "CPrefetch", "CHalfVectors"],
            // Optimised in debug builds too: tests run the kernels on graphs large enough for their
            // cache-blocked paths, which take tens of seconds unoptimised.
            swiftSettings: cpuFlags + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(
            name: "GNNModels",
            // GNNImport: a graph whose self loops differ from the model's training graph is packed again.
            dependencies: ["GNNFormats", "GNNImport", "GNNKernels"],
            swiftSettings: cpuFlags),
        .target(
            name: "GNNImport",
            dependencies: ["GNNConcurrency", "GNNFormats", "CGzip", "CMetis"],
            swiftSettings: cpuFlags),
        .target(name: "GNNExport", dependencies: ["GNNFormats", "GNNKernels", "GNNModels"], swiftSettings: cpuFlags),
        // Running the same forward pass over shards on MPI ranks: the halo exchange and the gathering.
        .target(name: "GNNDistributed", dependencies: ["CMPI", "GNNFormats", "GNNModels"], swiftSettings: cpuFlags),

        // The Open Inference Protocol server over the same runner as `predict`.
        .target(
            name: "GNNServer",
            dependencies: [
                "GNNFormats", "GNNKernels", "GNNModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: cpuFlags),

        // Thin command-line front ends and what they share.
        .target(
            name: "CommandLineSupport",
            dependencies: ["GNNConcurrency", "GNNFormats", "GNNKernels", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "gnn-serve",
            dependencies: ["GNNFormats", "GNNImport", "GNNModels", "GNNKernels", "GNNServer", "GNNDistributed", "CommandLineSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: cpuFlags),
        .executableTarget(
            name: "gnn-export",
            dependencies: ["GNNFormats", "GNNExport", "GNNKernels", "CommandLineSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: cpuFlags),

        // The benchmark harness (bench/): synthetic graphs and the roofline, and their front end.
        .target(
            name: "GNNBench",
            dependencies: ["GNNConcurrency", "GNNFormats", "GNNKernels", "GNNModels", "COpenBLAS"],
            path: "bench/GNNBench",
            swiftSettings: cpuFlags),
        .executableTarget(
            name: "gnn-bench",
            dependencies: ["GNNBench", "GNNFormats", "GNNKernels", "CommandLineSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "bench/gnn-bench",
            swiftSettings: cpuFlags),

        // Tests, one target per module they test, and the helpers they share. Every fixture lives in
        // Tests/Fixtures/ (models/: PyG references; graphs/: pack inputs), read in place through
        // TestSupport's `Fixtures`.
        .target(name: "TestSupport", dependencies: ["GNNFormats", "GNNImport"], path: "Tests/TestSupport"),
        .testTarget(name: "GNNFormatsTests", dependencies: ["GNNFormats", "TestSupport"]),
        .testTarget(name: "GNNImportTests", dependencies: ["GNNImport", "GNNFormats", "TestSupport"]),
        .testTarget(name: "GNNKernelsTests", dependencies: ["GNNKernels", "TestSupport"]),
        .testTarget(name: "GNNModelsTests", dependencies: ["GNNModels", "GNNKernels", "GNNExport", "GNNFormats", "TestSupport"]),
        .testTarget(name: "GNNExportTests", dependencies: ["GNNExport", "GNNKernels", "GNNModels", "GNNFormats", "TestSupport"]),
        .testTarget(name: "GNNBenchTests", dependencies: ["GNNBench", "GNNFormats"]),
        .testTarget(name: "GNNServerTests", dependencies: ["GNNServer", .product(name: "Hummingbird", package: "hummingbird"),
                                                          .product(name: "Logging", package: "swift-log"),
                                                          .product(name: "NIOEmbedded", package: "swift-nio"),
                                                          .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                                                          .product(name: "HTTPTypes", package: "swift-http-types")]),
        // The command-line tests run the built tools: they depend on them without importing them.
        .testTarget(name: "CLITests", dependencies: ["gnn-serve", "gnn-export", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// Coverage-guided fuzzing (`scripts/fuzz.sh`): one libFuzzer driver over every parser, built only when
// GNN_FUZZ is set, into its own scratch path with `-sanitize=fuzzer,address` on every module.
if ProcessInfo.processInfo.environment["GNN_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "gnn-fuzz",
        dependencies: ["GNNFormats", "GNNImport", "GNNExport", "GNNModels"],
        path: "Tests/Fuzz",
        exclude: ["Corpus", "results"]))
}
