import Foundation

/// A safetensors file, validated the way the reference parser does before anything large is allocated:
/// header length capped and within the file, UTF-8 JSON without duplicate names, tensors contiguous from offset 0
/// with no gaps or overlaps, shape × dtype size equal to each byte span (overflow-checked), nothing after the last.
struct SafetensorsFile {
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let begin: Int
        let end: Int
    }
    static let maxHeader = 100 * 1024 * 1024
    static let dtypeSizes = [
        "F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I8": 1, "U8": 1, "I16": 2, "I32": 4, "I64": 8, "BOOL": 1,
    ]

    let path: String
    let name: String
    let entries: [String: Entry]
    let dataStart: Int

    /// True when the first 8 bytes are a plausible header length followed by '{'.
    static func looksLikeSafetensors(_ head: Data, fileSize: Int) -> Bool {
        guard head.count >= 9 else { return false }
        let n = head.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return n > 0 && head[head.startIndex + 8] == UInt8(ascii: "{")
    }

    init(path: String) throws {
        self.path = path
        name = (path as NSString).lastPathComponent
        guard let fh = FileHandle(forReadingAtPath: path) else {
            throw WeightsError.unreadable(path: path, reason: "permission denied")
        }
        defer { try? fh.close() }
        let fileSize = Int((try? fh.seekToEnd()) ?? 0)
        try? fh.seek(toOffset: 0)
        let head = (try? fh.read(upToCount: 8)) ?? Data()
        guard head.count == 8 else {
            throw WeightsError.truncated(file: name, detail: "shorter than the 8-byte header length")
        }
        let n64 = head.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n64 <= UInt64(SafetensorsFile.maxHeader) else {
            throw WeightsError.malformed(file: name, detail: "header length \(n64) is over the 100 MB cap")
        }
        let n = Int(n64)
        guard 8 + n <= fileSize else {
            throw WeightsError.truncated(file: name, detail: "header runs past the end of the file")
        }
        let headerBytes = [UInt8]((try? fh.read(upToCount: n)) ?? Data())
        guard headerBytes.count == n else { throw WeightsError.truncated(file: name, detail: "header cut short") }
        let json: JSONValue
        do { json = try JSONValue.parse(headerBytes) } catch let e as JSONValue.ParseError {
            throw WeightsError.malformed(file: name, detail: "header: \(e.message)")
        }
        guard case .object(let members) = json else {
            throw WeightsError.malformed(file: name, detail: "header is not a JSON object")
        }
        var list: [Entry] = []
        for (key, value) in members where key != "__metadata__" {
            list.append(try SafetensorsFile.entry(key, value, file: name))
        }
        list.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for e in list {
            guard e.begin == cursor else {
                throw WeightsError.malformed(
                    file: name,
                    detail: e.begin < cursor ? "tensor \(e.name) overlaps another" : "gap before tensor \(e.name)")
            }
            cursor = e.end
        }
        let dataSize = fileSize - 8 - n
        if cursor > dataSize {
            throw WeightsError.truncated(file: name, detail: "tensors need \(cursor) bytes, the file has \(dataSize)")
        }
        if cursor < dataSize {
            throw WeightsError.malformed(file: name, detail: "\(dataSize - cursor) bytes after the last tensor")
        }
        dataStart = 8 + n
        entries = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }

    private static func entry(_ key: String, _ value: JSONValue, file: String) throws -> Entry {
        guard case .string(let dtype)? = value["dtype"], let size = dtypeSizes[dtype] else {
            throw WeightsError.malformed(file: file, detail: "tensor \(key) has no known dtype")
        }
        guard case .array(let dims)? = value["shape"], case .array(let offs)? = value["data_offsets"], offs.count == 2
        else {
            throw WeightsError.malformed(file: file, detail: "tensor \(key) lacks shape or data_offsets")
        }
        func int(_ v: JSONValue) throws -> Int {
            guard case .number(let d) = v, d >= 0, d <= 9.0e15, d == d.rounded() else {
                throw WeightsError.malformed(file: file, detail: "tensor \(key) has a bad number")
            }
            return Int(d)
        }
        let shape = try dims.map(int)
        let begin = try int(offs[0])
        let end = try int(offs[1])
        guard begin <= end else {
            throw WeightsError.malformed(file: file, detail: "tensor \(key) ends before it begins")
        }
        var bytes = size
        for d in shape {
            let (m, overflow) = bytes.multipliedReportingOverflow(by: d)
            guard !overflow else { throw WeightsError.malformed(file: file, detail: "tensor \(key)'s shape overflows") }
            bytes = m
        }
        guard bytes == end - begin else {
            throw WeightsError.malformed(
                file: file, detail: "tensor \(key): shape and dtype need \(bytes) bytes, offsets span \(end - begin)")
        }
        return Entry(name: key, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Checks that `key` is a floating-point tensor of `shape`, without reading its data.
    @discardableResult
    func check(_ key: String, shape expected: [Int], tensor: String) throws -> Entry {
        guard let e = entries[key] else { throw WeightsError.missingLayer(file: name, layer: "\(tensor) (\(key))") }
        guard e.shape == expected else {
            throw WeightsError.wrongShape(file: name, tensor: tensor, expected: expected, found: e.shape)
        }
        guard SafetensorsFile.floatTypes.contains(e.dtype) else {
            throw WeightsError.malformed(file: name, detail: "\(tensor) is \(e.dtype), not floating point")
        }
        return e
    }

    static let floatTypes: Set<String> = ["F32", "F64", "BF16", "F16"]

    /// Reads a tensor as Float32, checking its shape.
    func readFloats(_ key: String, shape expected: [Int], tensor: String) throws -> [Float] {
        let e = try check(key, shape: expected, tensor: tensor)
        let count = expected.reduce(1, *)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var raw = [UInt8](repeating: 0, count: e.end - e.begin)
        var done = 0
        while done < raw.count {
            let r = raw.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + done, $0.count - done, off_t(dataStart + e.begin + done))
            }
            guard r > 0 else { throw WeightsError.truncated(file: name, detail: "cannot read \(tensor)") }
            done += r
        }
        var out = [Float](repeating: 0, count: count)
        raw.withUnsafeBytes { b in
            switch e.dtype {
            case "F32":
                for i in 0..<count {
                    out[i] = Float(bitPattern: b.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
                }
            case "F64":
                for i in 0..<count {
                    out[i] = Float(
                        Double(bitPattern: b.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian))
                }
            case "BF16":
                for i in 0..<count {
                    out[i] = Float(
                        bitPattern: UInt32(b.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16)
                }
            case "F16":
                for i in 0..<count {
                    out[i] = Float(
                        Float16(bitPattern: b.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian))
                }
            default: break
            }
        }
        return out
    }
}
