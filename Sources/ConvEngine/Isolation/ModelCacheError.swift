/// Why a model was not kept in the cache (the model itself loaded; only the next start is slower).
public enum ModelCacheError: Error, CustomStringConvertible {
    case notStored(String)

    public var description: String {
        switch self {
        case .notStored(let why): return "the model was not kept for a faster next start: \(why)"
        }
    }
}
