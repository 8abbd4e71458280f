import Foundation
import XCTest

@testable import ConvEngine

/// `ModelCache` keeps a model read through the loader's child so the next start reads it back directly: it must give
/// back exactly the model stored, and refuse (and remove) an entry that is cut short, damaged or foreign, or that
/// belongs to another version of the weights file or of the loader, without crashing; a full disk stores nothing.
private let RLIMIT_FSIZE_VALUE = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)

final class ModelCacheTests: XCTestCase {
    private var folder: TemporaryFolder!
    private var source = "", loader = ""
    private var model: Model!

    override func setUpWithError() throws {
        folder = try TemporaryFolder("model-cache")
        let ref = try ModelReference("vgg19_keras")
        source = folder.path("weights.h5")  // the reference file, copied so a test can touch it
        try FileManager.default.copyItem(atPath: ref.path(), toPath: source)
        loader = try folder.write("loader", Array("a loader".utf8))
        model = try ModelLoader.readModel(path: source)
    }

    /// The model as the child would answer: `ModelWire` bytes in an unlinked file, read back once.
    private func answer() throws -> (fd: Int32, size: Int, loaded: ModelWire.Loaded) {
        let path = folder.path("answer-\(UUID().uuidString)")
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        unlink(path)
        try ModelWire.write(model, to: fd)
        let size = Int(lseek(fd, 0, SEEK_END))
        return (fd, size, try ModelWire.read(fd: fd, at: 0, size: size, file: "answer"))
    }

    private func cache(free: Int = .max) -> ModelCache {
        ModelCache(directory: folder.path("cache/convscope/models"), freeBytes: { _ in free })
    }

    private func stamp() throws -> String { try XCTUnwrap(ModelCache.stamp(source: source, loader: loader)) }

    private func store(_ c: ModelCache) throws {
        let a = try answer()
        defer { close(a.fd) }
        try c.store(answer: a.fd, wireBytes: a.size, loaded: a.loaded, source: source, stamp: try stamp())
    }

    private func entry(_ c: ModelCache) throws -> String { c.entryPath(source: source, stamp: try stamp()) }

    private func contents(_ c: ModelCache) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: c.directory)) ?? []).sorted()
    }

    private func assertSameModel(_ copy: Model, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(copy.layers.map(\.name), model.layers.map(\.name), file: file, line: line)
        XCTAssertEqual(copy.layers.map(\.output), model.layers.map(\.output), file: file, line: line)
        XCTAssertEqual(copy.output, model.output, file: file, line: line)
        XCTAssertEqual(copy.preprocessing, model.preprocessing, file: file, line: line)
        for (a, b) in zip(copy.layers, model.layers) {
            switch (a.kind, b.kind) {
            case (.conv2D(let x), .conv2D(let y)):
                XCTAssertEqual(x.kernel, y.kernel, a.name, file: file, line: line)
                XCTAssertEqual(x.bias, y.bias, a.name, file: file, line: line)
            case (.dense(let x), .dense(let y)):
                XCTAssertEqual(x.kernel, y.kernel, a.name, file: file, line: line)
                XCTAssertEqual(x.bias, y.bias, a.name, file: file, line: line)
            default: break
            }
        }
    }

    private func miss(_ c: ModelCache) throws -> ModelCache.Miss? {
        if case .failure(let m) = c.load(source: source, stamp: try stamp()) { return m }
        return nil
    }

    func testModelCache_StoredModelReadsBackTheSame() throws {
        let c = cache()
        XCTAssertEqual(try miss(c), .absent)
        try store(c)
        XCTAssertEqual(contents(c), [(try entry(c) as NSString).lastPathComponent], "one entry, no temporary file left")
        let copy = try c.load(source: source, stamp: try stamp()).get()
        assertSameModel(copy)
        let e = try ModelReference("vgg19_keras").measure(Runner(model: copy), checkNames: true)
        XCTAssertLessThanOrEqual(e.probabilities, 1e-4)
        let header = try XCTUnwrap(FileManager.default.contents(atPath: try entry(c)))
        XCTAssertEqual(Array(header.prefix(8)), Array("CSCACHE1".utf8))
        let wire = header.range(of: Data("CSMODEL1".utf8))?.lowerBound
        XCTAssertEqual(wire.map { $0 % 4096 }, 0, "the model starts on a page boundary")
    }

    /// A model read from an entry lets its 3×3 kernels go once their Winograd kernels are made (56 MiB of VGG16's
    /// window at start) and reads them back, the same, from the entry it holds open, even once that is removed; a
    /// model read from the weights file keeps its own.
    func testModelCache_KernelsLetGoAfterWinogradAndReadBackTheSame() throws {
        let c = cache()
        try store(c)
        let copy = try c.load(source: source, stamp: try stamp()).get()
        let convs = copy.layers.compactMap { l -> Conv2DParameters? in
            if case .conv2D(let p) = l.kind { return p } else { return nil }
        }
        let fitting = convs.filter(WinogradKernels.fits)
        XCTAssertFalse(fitting.isEmpty)
        XCTAssertTrue(convs.allSatisfy { $0.storage.isResident }, "in memory as read")
        copy.winograd.prepareForward(copy.layers)
        XCTAssertEqual(fitting.filter { $0.storage.isResident }.count, 0, "let go after the transform")
        XCTAssertTrue(convs.filter { !WinogradKernels.fits($0) }.allSatisfy { $0.storage.isResident })
        XCTAssertEqual(unlink(try entry(c)), 0)
        let e = try ModelReference("vgg19_keras").measure(Runner(model: copy), checkNames: true)
        XCTAssertLessThanOrEqual(e.probabilities, 1e-4)
        XCTAssertEqual(fitting.filter { $0.storage.isResident }.count, 0, "the forward pass does not read them")
        assertSameModel(copy)
        XCTAssertEqual(fitting.filter { !$0.storage.isResident }.count, 0, "kept once read back")
        copy.winograd.prepareForward(copy.layers)  // another runner on the same model
        XCTAssertEqual(fitting.filter { !$0.storage.isResident }.count, 0, "not let go again once read back")
        model.winograd.prepareForward(model.layers)
        for l in model.layers {
            if case .conv2D(let p) = l.kind { XCTAssertTrue(p.storage.isResident, l.name) }
        }
    }

    /// Large kernels (every kernel here, with the threshold lowered) are read in place from the entry's pages: the
    /// same floats, the same outputs; let go (Winograd, parking) they leave the process's memory and come back,
    /// checked, on use, even once the entry is removed.
    func testModelCache_KernelsReadInPlaceFromTheEntry() throws {
        let threshold = WireReader.mappedFloats
        WireReader.mappedFloats = 1
        defer { WireReader.mappedFloats = threshold }
        let c = cache()
        try store(c)
        let copy = try c.load(source: source, stamp: try stamp()).get()
        let weighted = copy.layers.indices.compactMap { i -> (Int, KernelStorage, [Float])? in
            switch (copy.layers[i].kind, model.layers[i].kind) {
            case (.conv2D(let a), .conv2D(let b)): return (i, a.storage, b.kernel)
            case (.dense(let a), .dense(let b)): return (i, a.storage, b.kernel)
            default: return nil
            }
        }
        XCTAssertFalse(weighted.isEmpty)
        for (i, storage, original) in weighted {
            XCTAssertTrue(storage.isMapped, copy.layers[i].name)
            XCTAssertTrue(storage.knownFinite, "checked finite with its checksum: \(copy.layers[i].name)")
            XCTAssertTrue(storage.isResident, copy.layers[i].name)
            XCTAssertEqual(storage.withFloats { Array($0) }, original, copy.layers[i].name)
        }
        XCTAssertEqual(unlink(try entry(c)), 0)
        let runner = Runner(model: copy)  // makes the Winograd kernels and lets the 3×3 kernels go
        let e = try ModelReference("vgg19_keras").measure(runner, checkNames: true)
        XCTAssertLessThanOrEqual(e.probabilities, 1e-4)
        let convs = weighted.filter { i, _, _ in
            if case .conv2D(let p) = copy.layers[i].kind { WinogradKernels.fits(p) } else { false }
        }
        XCTAssertFalse(convs.isEmpty)
        XCTAssertTrue(convs.allSatisfy { !$0.1.isResident }, "let go after the transform")
        let dense = weighted.filter { i, _, _ in if case .dense = copy.layers[i].kind { true } else { false } }
        var rng = SeededRandom(seed: 3)
        let x = FeatureMap(
            height: copy.input.height, width: copy.input.width, channels: copy.input.channels,
            data: rng.floats(copy.input.count, -100, 100))
        let logits = try runner.classify(runner.forward(x)).logits
        for (i, _, _) in dense { XCTAssertTrue(copy.park(i)) }
        XCTAssertTrue(dense.allSatisfy { !$0.1.isResident }, "parked: let go")
        XCTAssertEqual(try runner.classify(runner.forward(x)).logits, logits, "read in place again on use")
        XCTAssertTrue(dense.allSatisfy { $0.1.isResident })
        for (i, storage, original) in convs {
            XCTAssertEqual(storage.withFloats { Array($0) }, original, "\(copy.layers[i].name) after release")
        }
    }

    /// A long run streams the dense kernels read in place: their pages go as it starts, every pass reads them a few
    /// rows at a time (forward over a batch, one image, and backward), each chunk let go after it, so none is held
    /// when it ends; the outputs are the whole reads' to float rounding; a pass after the run reads them back whole.
    func testModelCache_DenseKernelsStreamedInALongRun_SameOutputsNoneKept() throws {
        let threshold = WireReader.mappedFloats
        WireReader.mappedFloats = 1
        let rows = Dense.streamRows
        Dense.streamRows = 5  // several chunks of every dense kernel of the small model
        defer {
            WireReader.mappedFloats = threshold
            Dense.streamRows = rows
        }
        let c = cache()
        try store(c)
        let copy = try c.load(source: source, stamp: try stamp()).get()
        let dense = copy.layers.compactMap { l -> KernelStorage? in
            if case .dense(let d) = l.kind { d.storage } else { nil }
        }
        XCTAssertFalse(dense.isEmpty)
        XCTAssertTrue(dense.allSatisfy(\.isMapped))
        let runner = Runner(model: copy, batch: 3)
        var rng = SeededRandom(seed: 11)
        let (inputs, first) = rng.inputs(3, of: copy)
        let last = copy.layers.count - 1
        let activations = try runner.forward(first)
        let gradient = rng.floats(copy.layers[last].output.count, -1, 1)
        let batch = runner.lastOutputs(inputs, count: 3)
        let one = try runner.classify(activations).logits
        let back = runner.backward(gradient, from: last, to: -1, activations: activations)
        let streamed = try copy.streamingDenseKernels {
            XCTAssertTrue(dense.allSatisfy { !$0.isResident }, "let go as the run starts")
            return (
                runner.lastOutputs(inputs, count: 3), try runner.classify(runner.forward(first)).logits,
                runner.backward(gradient, from: last, to: -1, activations: activations)
            )
        }
        XCTAssertTrue(dense.allSatisfy { !$0.isResident }, "none held when the run ends")
        func error(_ a: [Float], _ b: [Float]) -> Float {
            zip(a, b).map { abs($0 - $1) }.max()! / max(a.map(abs).max()!, 1e-30)
        }
        let errors = [error(batch, streamed.0), error(one, streamed.1), error(back, streamed.2)]
        print("streamed dense kernels: max error relative to the largest value (batch, one, backward): \(errors)")
        XCTAssertTrue(errors.allSatisfy { $0 <= 1e-5 }, "\(errors)")
        XCTAssertEqual(try runner.classify(runner.forward(first)).logits, one, "read whole again after the run")
        XCTAssertTrue(dense.allSatisfy(\.isResident))
    }

    /// The sanity check parks a trained layer while its randomised copy stands in: a model read from an entry lets
    /// the layer's kernel (dense or convolution) and its Winograd kernels go, computes the same numbers all the same
    /// (read back on use), and `unpark` brings them back as at start; a model read from the weights file parks nothing.
    func testModelCache_ParkedLayersGoAndComeBackTheSame() throws {
        let c = cache()
        try store(c)
        let copy = try c.load(source: source, stamp: try stamp()).get()
        let runner = Runner(model: copy)
        var rng = SeededRandom(seed: 7)
        let x = FeatureMap(
            height: copy.input.height, width: copy.input.width, channels: copy.input.channels,
            data: rng.floats(copy.input.count, -100, 100))
        let logits = try runner.classify(runner.forward(x)).logits
        let dense = copy.layers.indices.filter { if case .dense = copy.layers[$0].kind { true } else { false } }
        let convs = copy.layers.indices.filter {
            if case .conv2D(let p) = copy.layers[$0].kind { WinogradKernels.fits(p) } else { false }
        }
        XCTAssertFalse(dense.isEmpty || convs.isEmpty)
        XCTAssertTrue(dense.allSatisfy { copy.kernelIsResident($0) })
        for i in dense + convs { XCTAssertTrue(copy.park(i), copy.layers[i].name) }
        XCTAssertTrue(dense.allSatisfy { !copy.kernelIsResident($0) }, "dense kernels let go")
        XCTAssertTrue(convs.allSatisfy { !copy.winograd.holdsForward($0) }, "Winograd kernels let go")
        copy.unpark(dense + convs)
        XCTAssertTrue(dense.allSatisfy { copy.kernelIsResident($0) }, "dense kernels back")
        XCTAssertTrue(convs.allSatisfy { copy.winograd.holdsForward($0) }, "Winograd kernels back")
        XCTAssertTrue(convs.allSatisfy { !copy.kernelIsResident($0) }, "3×3 kernels let go again, as at start")
        XCTAssertEqual(try runner.classify(runner.forward(x)).logits, logits)
        for i in dense + convs { copy.park(i) }
        XCTAssertEqual(try runner.classify(runner.forward(x)).logits, logits, "parked layers read back on use")
        XCTAssertTrue(dense.allSatisfy { copy.kernelIsResident($0) })
        copy.unpark(dense + convs)
        XCTAssertTrue(convs.allSatisfy { !copy.kernelIsResident($0) }, "read back meanwhile, let go again")
        _ = try copy.randomizing([copy.layers[dense[0]].name])
        XCTAssertTrue(convs.allSatisfy { !copy.kernelIsResident($0) }, "a randomised copy reads no kernel back")
        XCTAssertFalse(model.park(dense[0]), "read from the weights file: nothing to read back from")
        XCTAssertTrue(model.kernelIsResident(dense[0]))
    }

    private func touch(_ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, source, &times, 0), 0)
    }

    func testModelCache_ChangedWeightsFileOrLoaderIsNotUsedAndOnlyTwoEntriesStay() throws {
        let c = cache()
        try store(c)
        let first = (try entry(c) as NSString).lastPathComponent
        let old = try stamp()
        touch(1_000_000)
        XCTAssertNotEqual(try stamp(), old, "a touched file has another stamp")
        XCTAssertEqual(try miss(c), .absent)
        let otherLoader = try folder.write("loader2", Array("another loader build".utf8))
        XCTAssertNotEqual(
            ModelCache.stamp(source: source, loader: otherLoader),
            ModelCache.stamp(
                source: source,
                loader: loader))
        try store(c)
        let second = (try entry(c) as NSString).lastPathComponent
        XCTAssertEqual(Set(contents(c)), [first, second], "the entry of another build stays")
        touch(2_000_000)
        try store(c)
        let third = (try entry(c) as NSString).lastPathComponent
        XCTAssertEqual(Set(contents(c)), [second, third], "the oldest entry went")
        assertSameModel(try c.load(source: source, stamp: try stamp()).get())
    }

    /// A model opened from a folder since removed (a download, a test's temporary file) leaves no entry behind.
    func testModelCache_EntryOfAFileSinceRemovedGoesAtTheNextStore() throws {
        let c = cache()
        let first = source
        source = folder.path("temporary.h5")
        try FileManager.default.copyItem(atPath: first, toPath: source)
        try store(c)
        let gone = try entry(c)
        try FileManager.default.removeItem(atPath: source)
        source = first
        try store(c)
        XCTAssertEqual(contents(c), [(try entry(c) as NSString).lastPathComponent])
        XCTAssertFalse(FileManager.default.fileExists(atPath: gone))
    }

    func testModelCache_CutShortEntryIsRefusedAndRemoved() throws {
        let c = cache()
        try store(c)
        let whole = try XCTUnwrap(FileManager.default.contents(atPath: try entry(c)))
        for keep in [0, 7, 16, 40, 4096, 4096 + 16, 4096 + 300, whole.count / 2, whole.count - 4, whole.count - 1] {
            try whole.prefix(keep).write(to: URL(fileURLWithPath: try entry(c)))
            guard case .damaged = try miss(c) else { return XCTFail("an entry cut at \(keep) was not refused") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: try entry(c)), "cut at \(keep): removed")
        }
        try store(c)
        assertSameModel(try c.load(source: source, stamp: try stamp()).get())
    }

    func testModelCache_ChangedByteAnywhereIsRefused() throws {
        let c = cache()
        try store(c)
        let whole = try XCTUnwrap(FileManager.default.contents(atPath: try entry(c)))
        let wire = try XCTUnwrap(whole.range(of: Data("CSMODEL1".utf8))?.lowerBound)
        let json = try XCTUnwrap(whole.range(of: Data("\"layers\"".utf8), in: wire..<whole.count)?.lowerBound)
        // The entry's magic, the model's magic and header, the first weight, one in the middle, the last.
        for at in [3, wire + 2, wire + 9, json + 3, whole.count - 1000, (wire + whole.count) / 2, whole.count - 2] {
            var bad = whole
            bad[at] ^= 0x10
            try bad.write(to: URL(fileURLWithPath: try entry(c)))
            guard case .damaged = try miss(c) else { return XCTFail("a changed byte at \(at) was not refused") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: try entry(c)))
        }
    }

    func testModelCache_ForeignFileOrFolderAtTheEntryIsRefused() throws {
        let c = cache()
        try FileManager.default.createDirectory(atPath: c.directory, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 100_000).write(to: URL(fileURLWithPath: try entry(c)))
        guard case .damaged = try miss(c) else { return XCTFail("garbage used") }
        try FileManager.default.createDirectory(atPath: try entry(c), withIntermediateDirectories: false)
        guard case .damaged = try miss(c) else { return XCTFail("a folder used") }
        try FileManager.default.removeItem(atPath: try entry(c))
        try FileManager.default.createSymbolicLink(atPath: try entry(c), withDestinationPath: source)
        XCTAssertEqual(try miss(c), .absent, "a symbolic link is not followed")
        try store(c)
        assertSameModel(try c.load(source: source, stamp: try stamp()).get())
        XCTAssertEqual(
            try FileManager.default.contents(atPath: source),
            try FileManager.default.contents(
                atPath: ModelReference("vgg19_keras").path()), "the link's target was left alone")
    }

    func testModelCache_FullDiskStoresNothingAndKeepsTheOldEntry() throws {
        try store(cache())
        let old = try stamp()
        var times = [timespec(tv_sec: 2_000_000, tv_nsec: 0), timespec(tv_sec: 2_000_000, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, source, &times, 0), 0)
        let full = cache(free: 1 << 20)
        XCTAssertThrowsError(try store(full)) { error in
            XCTAssertTrue("\(error)".contains("MB free"), "\(error)")
        }
        XCTAssertEqual(contents(full).count, 1, "no temporary file left")
        XCTAssertNoThrow(try full.load(source: source, stamp: old).get(), "the old entry is untouched")
        XCTAssertEqual(try miss(full), .absent)
    }

    /// The disk filling part-way through (here a file-size limit, which fails the write the way ENOSPC does).
    func testModelCache_WriteFailingPartWayLeavesNothingBehind() throws {
        let c = cache()
        try store(c)
        let old = try stamp()
        touch(3_000_000)
        let a = try answer()
        defer { close(a.fd) }
        XCTAssertGreaterThan(a.size, 64 << 10)
        let previous = signal(SIGXFSZ, SIG_IGN)
        var saved = rlimit()
        getrlimit(RLIMIT_FSIZE_VALUE, &saved)
        var small = saved
        small.rlim_cur = 16 << 10
        setrlimit(RLIMIT_FSIZE_VALUE, &small)
        XCTAssertThrowsError(
            try c.store(answer: a.fd, wireBytes: a.size, loaded: a.loaded, source: source, stamp: try stamp()))
        setrlimit(RLIMIT_FSIZE_VALUE, &saved)
        signal(SIGXFSZ, previous)
        XCTAssertEqual(contents(c).count, 1, "only the old entry: \(contents(c))")
        XCTAssertNoThrow(try c.load(source: source, stamp: old).get())
        XCTAssertEqual(try miss(c), .absent)
    }

    func testModelCache_UnwritableFolderStoresNothing() throws {
        let blocker = try folder.write("cache", [1, 2, 3])  // a file where the cache's folder would go
        XCTAssertThrowsError(try store(cache()))
        XCTAssertEqual(try miss(cache()), .absent)
        XCTAssertEqual(FileManager.default.contents(atPath: blocker), Data([1, 2, 3]))
    }

    func testModelCache_StandardFollowsXDGAndCanBeTurnedOff() {
        XCTAssertEqual(
            ModelCache.standard(environment: ["XDG_CACHE_HOME": "/x/c", "HOME": "/h"])?.directory,
            "/x/c/convscope/models")
        XCTAssertEqual(
            ModelCache.standard(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/h"])?.directory,
            "/h/.cache/convscope/models")
        XCTAssertNil(ModelCache.standard(environment: ["CONVSCOPE_MODEL_CACHE": "off", "HOME": "/h"]))
    }

    func testWireChecksum_PartsAddUpAndAMovedWordChangesIt() {
        let words: [UInt32] = (0..<1000).map { UInt32($0 &* 2_654_435_761 & 0xffff_ffff) }
        let whole = words.withUnsafeBytes { WireChecksum.words($0, firstWord: 0) }
        let parts = words.withUnsafeBytes { b in
            WireChecksum.words(UnsafeRawBufferPointer(rebasing: b[0..<1200]), firstWord: 0)
                &+ WireChecksum.words(UnsafeRawBufferPointer(rebasing: b[1200..<4000]), firstWord: 300)
        }
        XCTAssertEqual(parts, whole)
        var swapped = words
        swapped.swapAt(10, 11)
        XCTAssertNotEqual(swapped.withUnsafeBytes { WireChecksum.words($0, firstWord: 0) }, whole)
        var zeroed = words
        zeroed[500] = 0
        XCTAssertNotEqual(zeroed.withUnsafeBytes { WireChecksum.words($0, firstWord: 0) }, whole)
    }

    /// The vectorised checksum (C, chosen for the CPU) equals the definition word by word, at every alignment, for
    /// lengths around the vector widths and positions past 2³² (the weight wraps).
    func testWireChecksum_EqualsTheDefinitionAtAnyAlignmentAndPosition() {
        func definition(_ b: UnsafeRawBufferPointer, _ first: Int) -> UInt64 {
            let f0 = UInt32(truncatingIfNeeded: first) &* 2 &+ 1
            var s: UInt64 = 0
            for k in 0..<(b.count / 4) {
                let w = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))
                s &+= UInt64(w) &* UInt64(f0 &+ UInt32(truncatingIfNeeded: k) &* 2)
            }
            return s
        }
        var rng = SeededRandom(seed: 32)
        let bytes: [UInt8] = (0..<40_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var checked = 0
        bytes.withUnsafeBytes { b in
            for offset in 0..<4 {
                for count in [0, 1, 7, 8, 15, 16, 17, 31, 33, 64, 1000, 9_999] {
                    for first in [0, 5, 1 << 31, (1 << 32) - 3, 3 << 33] {
                        let piece = UnsafeRawBufferPointer(rebasing: b[offset..<(offset + 4 * count)])
                        XCTAssertEqual(WireChecksum.words(piece, firstWord: first), definition(piece, first))
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 240)
    }
}
