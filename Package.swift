// swift-tools-version:5.10
import PackageDescription

// Targets whose work is system calls and I/O (spawning children, HTTP, files) build without optimisation in release
// too: they sit on the first build's critical path (Isolation before the engine, WeightsStore after it), 6 s at -O.
let unoptimised: SwiftSetting = .unsafeFlags(["-Onone"], .when(configuration: .release))
// The engine is optimised in debug builds too: the tests run real VGG16 passes and gradient ascent.
let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
                                .unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "ConvScope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "convscope", targets: ["ConvScope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // 1. System libraries: module map + pkg-config, nothing else.
        .systemLibrary(name: "CSDL2", pkgConfig: "sdl2", providers: [.apt(["libsdl2-dev"])]),
        .systemLibrary(name: "CSDL2Image", pkgConfig: "SDL2_image", providers: [.apt(["libsdl2-image-dev"])]),
        .systemLibrary(name: "CSDL2TTF", pkgConfig: "SDL2_ttf", providers: [.apt(["libsdl2-ttf-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),

        // 1a. The engine's hot loops in C, each compiled for AVX-512, AVX2+FMA and baseline x86-64 and chosen at run
        //     time (cpuid), so a build runs at full speed on any x86-64 machine. Optimised in debug builds too.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // 1b. Risky parsing in a child process (spawn with limits, the answer file, the child modes). Foundation only.
        .target(name: "Isolation", swiftSettings: [unoptimised]),
        // 2. The engine: the model as a value, ops, one runner, readers and builders, explanations. No SDL.
        .target(name: "ConvEngine", dependencies: [
            "CKernels", "COpenBLAS", "CHDF5", "CZip", "Isolation",
        ], swiftSettings: optimize),
        // 2b. Finding, fetching and verifying weights files. No SDL.
        .target(name: "WeightsStore", dependencies: ["ConvEngine", "COpenSSL"], swiftSettings: [unoptimised]),
        // 3. RGBA images, colormaps, resize, tiling, overlays. No SDL.
        .target(name: "Raster", swiftSettings: optimize),
        // 4. The immediate-mode widget layer. No SDL.
        .target(name: "ImmediateUI"),
        // 5. SDL2 only here: image files, windows, events, drawing; the desktop portal over D-Bus; the child modes
        //    that parse risky files (images, HDF5) in a separate process.
        .target(name: "Platform", dependencies: ["CSDL2", "CSDL2Image", "CSDL2TTF", "CDBus", "Isolation", "Raster",
                                                 "ImmediateUI"]),
        // 6. The executable.
        .executableTarget(
            name: "ConvScope",
            dependencies: [
                "Isolation", "ConvEngine", "WeightsStore", "Raster", "ImmediateUI", "Platform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release: -Onone. The app's code is events, layout and drawing commands (its pixel work is in Raster and
            // the engine, both optimised); at -O its whole-module optimisation took 13 s of a 48 s first build, at
            // -Onone 5 s. Debug builds (the tests) stay at -O.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug)),
                            .unsafeFlags(["-Onone"], .when(configuration: .release))]
        ),
        // 7. Fuzz harnesses: a replay tool in normal builds, a libFuzzer binary under Scripts/fuzz (-DFUZZING).
        .executableTarget(name: "ConvScopeFuzz", dependencies: ["Isolation", "ConvEngine", "Platform"]),

        .testTarget(name: "ConvEngineTests", dependencies: ["ConvEngine", "CHDF5"], exclude: ["Golden"]),
        .testTarget(name: "WeightsStoreTests", dependencies: ["WeightsStore", "ConvEngine"]),
        .testTarget(name: "RasterTests", dependencies: ["Raster"]),
        .testTarget(name: "ImmediateUITests", dependencies: ["ImmediateUI"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "Raster"], exclude: ["Fixtures"]),
        .testTarget(name: "ConvScopeTests", dependencies: ["Isolation", "ConvEngine", "Raster", "Platform", "CHDF5"]),
    ]
)
