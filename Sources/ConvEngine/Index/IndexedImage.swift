/// One file of the folder as the index knows it: its path inside the folder, the size and modification time it had
/// when it was read (a change to either means it is read again), and what came of it.
public struct IndexedImage: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        /// In the index; `width`×`height` is the photo's size.
        case indexed
        /// Not an image ConvScope could use; the reason, as it was reported.
        case skipped(String)
        /// Once indexed, since changed or removed: kept only because a channel's floor names it.
        case gone
    }

    /// Relative to the index's folder, "/"-separated.
    public var path: String
    public var size: Int64
    /// Nanoseconds since 1970.
    public var modified: Int64
    public var width: Int, height: Int
    public var state: State

    public init(path: String, size: Int64, modified: Int64, width: Int = 0, height: Int = 0, state: State) {
        self.path = path; self.size = size; self.modified = modified
        self.width = width; self.height = height; self.state = state
    }

    /// Whether the file as now found (size, modification time) is the one this entry describes.
    public func matches(size: Int64, modified: Int64) -> Bool {
        state != .gone && self.size == size && self.modified == modified
    }
}

/// One of a channel's strongest images: the file, the value, where in the layer's map, and the part of the photo
/// that position sees (its receptive field), in the network's input and in the photo's own pixels.
public struct IndexEntry: Equatable, Sendable {
    /// 1 for the strongest.
    public let rank: Int
    /// The file's absolute path, and its path inside the indexed folder.
    public let path: String
    public let relativePath: String
    public let value: Float
    /// The position in the layer's map (row, column).
    public let y: Int, x: Int
    /// The receptive field in the network's input pixels, and in the photo's pixels.
    public let inputBox: PixelBox
    public let box: PixelBox
    public let imageWidth: Int, imageHeight: Int
}
