/// Why a model file cannot be run, each said so a person can act on it.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// A layer or node ConvScope cannot run; `reason` says what it runs instead.
    case unsupported(file: String, layer: String, reason: String)
    /// A node that joins or splits branches (ResNet, Inception, …).
    case branching(file: String, node: String, op: String)
    case badShape(file: String, layer: String, detail: String)
    case nonFinite(file: String, tensor: String)
    case malformed(file: String, detail: String)
    case labels(detail: String)

    public var description: String {
        switch self {
        case .unsupported(let f, let l, let r): return "\(f): \(l): \(r)"
        case .branching(let f, let n, let op):
            return "\(f): node '\(n)' (\(op)) joins two branches; ConvScope runs chains of layers such as VGG"
        case .badShape(let f, let l, let d): return "\(f): layer \(l): \(d)"
        case .nonFinite(let f, let t): return "\(f): \(t) contains NaN or infinite values; the file is damaged"
        case .malformed(let f, let d): return "\(f): damaged or not a model ConvScope reads (\(d))"
        case .labels(let d): return "labels refused: \(d)"
        }
    }
}
