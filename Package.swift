// swift-tools-version:6.0
// Tessera: huge image scans compressed with a learned codebook, any region decoded at once.
//
// The module layout follows the data flow (docs/ARCHITECTURE.md):
//   TesseraIO → TesseraCodebook → TesseraCoding → TesseraFormat → TesseraCodecs → TesseraPipeline
//   → TesseraBatch → tessera (CLI); TesseraSupport (bytes, checksums, parallel-for) under all of them.
import PackageDescription

// Opt-in build tuned for the host CPU: `TESSERA_NATIVE=1 make build` (the binary then needs AVX2).
import Foundation
let nativeFlags: [SwiftSetting] =
    ProcessInfo.processInfo.environment["TESSERA_NATIVE"] == "1"
    ? [.unsafeFlags(["-target-cpu", "haswell"])] : []

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
        .library(name: "Tessera", targets: [
            "TesseraSupport", "TesseraIO", "TesseraCodebook", "TesseraCoding", "TesseraFormat", "TesseraCodecs",
            "TesseraPipeline", "TesseraBatch",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Pipeline presets are YAML: comments document each preset, and parse errors carry lines.
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The tile server (`tessera serve`): HTTP on swift-nio, graceful shutdown, Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Remote .tess files over HTTP(S) range requests.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libtiff-dev, libpng-dev).
        .systemLibrary(
            name: "CTIFF", pkgConfig: "libtiff-4",
            providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        // libpng reports errors by longjmp; this C target owns every setjmp so that
        // no jump ever crosses a Swift frame.
        .target(name: "PNGBridge", dependencies: ["CPNG"]),

        // Byte readers and writers, CRC-32C, the parallel-for: what every module may use.
        .target(name: "TesseraSupport", swiftSettings: nativeFlags),
        .target(
            name: "TesseraIO", dependencies: ["TesseraSupport", "CTIFF", "PNGBridge"],
            swiftSettings: nativeFlags),
        .target(
            name: "TesseraCodebook", dependencies: ["TesseraSupport", "TesseraIO"],
            swiftSettings: nativeFlags),
        .target(name: "TesseraCoding", dependencies: ["TesseraSupport"], swiftSettings: nativeFlags),
        .target(
            name: "TesseraFormat", dependencies: ["TesseraSupport", "TesseraIO"],
            swiftSettings: nativeFlags),
        // One codec per coding mode (vq, residual, transform) and the colour transforms they share.
        .target(
            name: "TesseraCodecs",
            dependencies: ["TesseraSupport", "TesseraIO", "TesseraCodebook", "TesseraCoding", "TesseraFormat"],
            swiftSettings: nativeFlags),
        // Orchestration: streaming, scheduling, compressor and decoder (TessImage), training, metrics.
        .target(
            name: "TesseraPipeline",
            dependencies: [
                "TesseraSupport", "TesseraIO", "TesseraCodebook", "TesseraCoding", "TesseraFormat", "TesseraCodecs",
            ],
            swiftSettings: nativeFlags),
        // Batch work: pipeline presets, batch inputs and shards, the watch folder.
        .target(
            name: "TesseraBatch",
            dependencies: [
                "TesseraSupport", "TesseraIO", "TesseraCodebook", "TesseraCodecs", "TesseraPipeline",
                .product(name: "Yams", package: "Yams"),
            ]),
        // Remote files: a RandomAccessSource over HTTP(S) range requests, runs of tiles in one request.
        .target(
            name: "TesseraRemote",
            dependencies: [
                "TesseraSupport", "TesseraFormat",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        // The tile server: IIIF Image API 3.0 and Deep Zoom over HTTP, pages and a viewer.
        .target(
            name: "TesseraServer",
            dependencies: [
                "TesseraSupport", "TesseraIO", "TesseraFormat", "TesseraPipeline", "TesseraRemote", "CTurboJPEG", "CZlib", "PNGBridge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: nativeFlags),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraSupport", "TesseraIO", "TesseraCodebook", "TesseraCoding", "TesseraFormat", "TesseraCodecs",
                "TesseraPipeline", "TesseraBatch", "TesseraServer", "TesseraRemote",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nativeFlags),

        // Benchmark helpers (mosaics of real corpus images, timing): not part of the product.
        .executableTarget(
            name: "tessera-bench",
            dependencies: [
                "TesseraSupport", "TesseraIO", "TesseraFormat", "TesseraCodecs", "TesseraPipeline", "TesseraServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmark of the entropy coder against zstd and xz (bench/coding/bench-codec-entropy.sh).
        .executableTarget(
            name: "tessera-bench-coding", dependencies: ["TesseraCoding"],
            path: "bench/coding/tessera-bench-coding", swiftSettings: nativeFlags),

        // Tests: one target per library module, beside the CLI's and the shared helpers.
        .target(name: "TestSupport", dependencies: ["TesseraIO", "TesseraSupport"], path: "Tests/TestSupport"),
        .testTarget(name: "TesseraSupportTests", dependencies: ["TesseraSupport", "TestSupport"]),
        .testTarget(name: "TesseraIOTests", dependencies: ["TesseraIO", "TestSupport"]),
        .testTarget(name: "TesseraCodebookTests", dependencies: ["TesseraCodebook", "TesseraSupport", "TestSupport"]),
        .testTarget(name: "TesseraCodingTests", dependencies: ["TesseraCoding", "TesseraSupport", "TestSupport"]),
        .testTarget(name: "TesseraFormatTests", dependencies: ["TesseraFormat", "TesseraSupport", "TestSupport"]),
        .testTarget(
            name: "TesseraCodecsTests",
            dependencies: [
                "TesseraCodecs", "TesseraPipeline", "TesseraFormat", "TesseraCodebook", "TesseraCoding", "TesseraSupport",
                "TestSupport",
            ]),
        .testTarget(
            name: "TesseraPipelineTests",
            dependencies: [
                "TesseraPipeline", "TesseraCodecs", "TesseraCodebook", "TesseraFormat", "TesseraSupport", "TestSupport",
            ]),
        .testTarget(name: "TesseraCLITests", dependencies: ["TestSupport"]),
        .testTarget(
            name: "TesseraServerTests",
            dependencies: [
                "TesseraServer", "TesseraRemote", "TesseraPipeline", "TesseraIO", "TesseraFormat", "TesseraSupport",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "TesseraBatchTests",
            dependencies: [
                "TesseraBatch", "TesseraPipeline", "TesseraCodecs", "TesseraIO", "TesseraCodebook", "TesseraSupport", "TestSupport",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
