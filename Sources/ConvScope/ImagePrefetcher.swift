import ConvEngine
import Foundation
import Platform
import Raster

/// Decodes and prepares photos ahead of the network on threads of its own, each with its own decoder child process
/// (`IsolatedImageDecoder`), and hands them out in the files' order. At most `depth` photos wait ready, so memory
/// stays bounded while the network runs.
final class ImagePrefetcher {
    /// A photo ready for the network, or why it cannot be used.
    struct Prepared {
        let file: FolderScan.File
        let outcome: Result<(input: [Float], width: Int, height: Int), Error>
    }

    private let files: [FolderScan.File]
    private let folder: String
    private let input: TensorShape
    private let preprocessing: Preprocessing
    private let crop: Bool
    private let depth: Int
    private let condition = NSCondition()
    private var ready: [Int: Prepared] = [:]
    private var nextToTake = 0
    private var nextToClaim = 0
    private var stopped = false
    private var running = 0

    init(files: [FolderScan.File], folder: String, input: TensorShape, preprocessing: Preprocessing, crop: Bool,
         workers: Int, depth: Int) {
        self.files = files; self.folder = folder; self.input = input; self.preprocessing = preprocessing
        self.crop = crop; self.depth = max(depth, workers)
        running = max(1, workers)
        for _ in 0..<running {
            let t = Thread { [self] in work(IsolatedImageDecoder()) }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    deinit { stop() }

    /// The next photo in order, waiting for it; nil when all have been taken (or after `stop`).
    func next() -> Prepared? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if stopped || nextToTake >= files.count { return nil }
            if let p = ready.removeValue(forKey: nextToTake) {
                nextToTake += 1
                condition.broadcast()
                return p
            }
            condition.wait()
        }
    }

    /// Stops the workers after the photo each is decoding, and waits for them (their decoder children end with them).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        ready = [:]
        condition.unlock()
    }

    private func work(_ decoder: IsolatedImageDecoder) {
        while let i = claim() {
            let prepared = prepare(files[i], decoder)
            condition.lock()
            ready[i] = prepared
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next file to prepare, once fewer than `depth` wait ready; nil when there is none or on `stop`.
    private func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !stopped && nextToClaim < files.count && nextToClaim >= nextToTake + depth { condition.wait() }
        guard !stopped, nextToClaim < files.count else { return nil }
        nextToClaim += 1
        return nextToClaim - 1
    }

    private func prepare(_ file: FolderScan.File, _ decoder: IsolatedImageDecoder) -> Prepared {
        Prepared(file: file, outcome: Result {
            let original = try decoder.load(path: folder + "/" + file.path)
            let view = InputImage.networkView(of: original, width: input.width, height: input.height, crop: crop)
            let map = preprocessing.apply(rgb: view.network.rgbBytes, height: input.height, width: input.width)
            return (map.data, original.width, original.height)
        })
    }
}
