import Foundation

/// The values of an ONNX initializer or Constant, checked against its declared dims before anything is allocated.
/// Weights kept outside the file (external data) are refused.
enum ONNXTensor {
    /// The most values one tensor may declare (VGG16's largest, fc1, has 103M).
    static let maxCount = 1 << 30

    /// The tensor's dims, each checked to be non-negative and their product to stay within `maxCount`.
    static func dims(_ t: Onnx_TensorProto, file: String) throws -> [Int] {
        var count = 1
        for d in t.dims {
            guard d >= 0, d <= Int64(maxCount) else { throw bad(t, file, "has dimension \(d)") }
            count *= Int(d)
            guard count <= maxCount else { throw bad(t, file, "declares more than \(maxCount) values") }
        }
        return t.dims.map { Int($0) }
    }

    /// Float32 values of a FLOAT, DOUBLE or FLOAT16 tensor.
    static func floats(_ t: Onnx_TensorProto, file: String) throws -> [Float] {
        let count = try checkedCount(t, file: file)
        switch Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) {
        case .float?:
            if t.hasRawData {
                guard t.rawData.count == count * 4 else { throw bad(t, file,
                    "declares \(count) values but holds \(t.rawData.count) bytes") }
                return [Float](unsafeUninitializedCapacity: count) { buffer, n in   // little-endian, as ONNX stores it
                    _ = t.rawData.withUnsafeBytes { $0.copyBytes(to: UnsafeMutableRawBufferPointer(buffer)) }
                    n = count
                }
            }
            guard t.floatData.count == count else { throw short(t, file, count, t.floatData.count) }
            return t.floatData
        case .double?:
            if t.hasRawData {
                return try raw(t, count: count, width: 8, file: file) { Float($0.loadUnaligned(fromByteOffset: $1,
                    as: Double.self)) }
            }
            guard t.doubleData.count == count else { throw short(t, file, count, t.doubleData.count) }
            return t.doubleData.map { Float($0) }
        case .float16?:
            if t.hasRawData {
                return try raw(t, count: count, width: 2,
                    file: file) { halfToFloat($0.loadUnaligned(fromByteOffset: $1, as: UInt16.self)) }
            }
            guard t.int32Data.count == count else { throw short(t, file, count, t.int32Data.count) }
            return t.int32Data.map { halfToFloat(UInt16(truncatingIfNeeded: $0)) }
        default:
            throw ModelError.unsupported(file: file, layer: "tensor '\(t.name)'",
                                         reason: "its element type \(t.dataType) is not float32, float64 or float16")
        }
    }

    /// Integer values of an INT64 or INT32 tensor (shapes, pads, axes).
    static func ints(_ t: Onnx_TensorProto, file: String) throws -> [Int] {
        let count = try checkedCount(t, file: file)
        guard count <= 1024 else { throw bad(t, file, "is too long for a shape or padding list") }
        switch Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) {
        case .int64?:
            if t.hasRawData { return try raw(t, count: count, width: 8,
                file: file) { Int($0.loadUnaligned(fromByteOffset: $1, as: Int64.self)) } }
            guard t.int64Data.count == count else { throw short(t, file, count, t.int64Data.count) }
            return t.int64Data.map { Int($0) }
        case .int32?:
            if t.hasRawData { return try raw(t, count: count, width: 4,
                file: file) { Int($0.loadUnaligned(fromByteOffset: $1, as: Int32.self)) } }
            guard t.int32Data.count == count else { throw short(t, file, count, t.int32Data.count) }
            return t.int32Data.map { Int($0) }
        default:
            throw bad(t, file, "should hold integers but has element type \(t.dataType)")
        }
    }

    /// Refuses tensors whose values live in another file.
    static func requireEmbedded(_ t: Onnx_TensorProto, file: String) throws {
        if t.dataLocation == .external || !t.externalData.isEmpty {
            let location = t.externalData.first { $0.key == "location" }?.value ?? "another file"
            throw ModelError.unsupported(file: file, layer: "tensor '\(t.name)'",
                                         reason: "its values are kept outside the model, in \(location) (ONNX "
                                                 + "external data); "
                                             + "ConvScope reads one self-contained .onnx: re-save it with "
                                               + "onnx.save(model, path) "
                                             + "after onnx.load_external_data_for_model")
        }
    }

    private static func checkedCount(_ t: Onnx_TensorProto, file: String) throws -> Int {
        try requireEmbedded(t, file: file)
        return try dims(t, file: file).reduce(1, *)
    }

    /// Little-endian raw_data, after checking it holds exactly `count` values of `width` bytes.
    private static func raw<T>(_ t: Onnx_TensorProto, count: Int, width: Int, file: String,
                               _ load: (UnsafeRawBufferPointer, Int) -> T) throws -> [T] {
        guard t.rawData.count == count * width else {
            throw bad(t, file, "declares \(count) values (\(count * width) bytes) but holds \(t.rawData.count) bytes")
        }
        return t.rawData.withUnsafeBytes { p in (0..<count).map { load(p, $0 * width) } }
    }

    private static func bad(_ t: Onnx_TensorProto, _ file: String, _ detail: String) -> ModelError {
        .malformed(file: file, detail: "tensor '\(t.name)' \(detail)")
    }

    private static func short(_ t: Onnx_TensorProto, _ file: String, _ declared: Int, _ found: Int) -> ModelError {
        bad(t, file, "declares \(declared) values but holds \(found)")
    }

    /// IEEE 754 binary16 → Float, without relying on the Float16 type (absent on Intel Macs).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1f), mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:
            let v = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -v : v
        case 31:
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
        }
    }
}
