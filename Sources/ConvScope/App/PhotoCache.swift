import Foundation
import Platform
import Raster

/// Photos decoded for the dossier's crops, kept at most 1024 px across; the last few are kept. Decoded by a child
/// process of its own, so cutting crops never waits on (or holds up) the engine opening a photo. Use from one queue
/// (the worker's crop queue).
final class PhotoCache: @unchecked Sendable {
    private var kept: [(path: String, image: RGBAImage, scale: Double)] = []
    private let capacity = 12
    private let decoder = IsolatedImageDecoder()

    /// The photo at `path`, and how much it was scaled down (1: not at all).
    func photo(_ path: String) throws -> (image: RGBAImage, scale: Double) {
        if let i = kept.firstIndex(where: { $0.path == path }) {
            let hit = kept.remove(at: i)
            kept.append(hit)
            return (hit.image, hit.scale)
        }
        let full = try decoder.load(path: path)
        let scale = min(1, 1024 / Double(max(full.width, full.height)))
        let image =
            scale < 1
            ? full.resized(
                width: max(1, Int(Double(full.width) * scale)), height: max(1, Int(Double(full.height) * scale)))
            : full
        kept.append((path, image, scale))
        if kept.count > capacity { kept.removeFirst() }
        return (image, scale)
    }
}
