import Dispatch
import Platform
import Raster

/// A photo being decoded (in its child process) from the moment it is asked for, beside whatever the engine's queue
/// is doing (at start-up: reading the model); `decoded()` waits for it.
final class DecodingImage: @unchecked Sendable {
    let path: String
    private let done = DispatchGroup()
    private var result: Result<RGBAImage, Error>?

    init(path: String) {
        self.path = path
        done.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = Result { try IsolatedImageDecoder.shared.load(path: path) }
            done.leave()
        }
    }

    func decoded() throws -> RGBAImage {
        done.wait()
        return try result!.get()
    }
}
