/// Why an index file was refused or a question to an index cannot be answered, said so a person can act on it. A
/// refused file is never used: the folder is indexed again.
public enum IndexError: Error, Equatable, CustomStringConvertible {
    case notAnIndex(file: String)
    case otherVersion(file: String, found: UInt32, expected: UInt32)
    case damaged(file: String, detail: String)
    case otherModel(file: String)
    case otherFolder(file: String, folder: String)
    case unknownLayer(String, indexed: [String])
    case channelOutOfRange(layer: String, channel: Int, channels: Int)
    case cannotMerge(reason: String)

    public var description: String {
        switch self {
        case .notAnIndex(let f): return "\(f): not a ConvScope channel index"
        case .otherVersion(let f, let found, let expected):
            return "\(f): an index of format version \(found), this ConvScope reads version \(expected)"
        case .damaged(let f, let d): return "\(f): the index is damaged (\(d))"
        case .otherModel(let f): return "\(f): the index was made with another model"
        case .otherFolder(let f, let folder): return "\(f): the index is of another folder (\(folder))"
        case .unknownLayer(let l, let known):
            return "the index does not cover \(l); it covers \(known.joined(separator: ", "))"
        case .channelOutOfRange(let l, let c, let n): return "\(l) has channels 0…\(n - 1), not \(c)"
        case .cannotMerge(let r): return "these indexes cannot be merged: \(r)"
        }
    }
}
