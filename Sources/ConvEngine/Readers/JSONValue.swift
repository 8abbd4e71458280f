import Foundation

/// A small strict JSON parser for safetensors headers: UTF-8 only, depth-limited, and — unlike Foundation's —
/// it rejects duplicate object keys instead of silently keeping one.
indirect enum JSONValue: Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    struct ParseError: Error { let message: String }

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x.map(\.0) == y.map(\.0) && zip(x, y).allSatisfy { $0.1 == $1.1 }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        guard String(bytes: bytes, encoding: .utf8) != nil else { throw ParseError(message: "header is not UTF-8") }
        var p = Parser(bytes: bytes)
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw ParseError(message: "extra bytes after the JSON header") }
        return v
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) { i += 1 } }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < 64 else { throw ParseError(message: "header nested too deeply") }
            skipSpace()
            guard i < bytes.count else { throw ParseError(message: "header ends early") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, JSONValue)] = []
                var seen = Set<String>()
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(members)
                }
                while true {
                    skipSpace()
                    guard case .string(let key) = try value(depth: depth + 1) else {
                        throw ParseError(message: "object key is not a string")
                    }
                    guard seen.insert(key).inserted else { throw ParseError(message: "duplicate name \"\(key)\"") }
                    skipSpace()
                    try expect(":")
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    if try next() == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[i - 1] == UInt8(ascii: ",") else { throw ParseError(message: "expected , or }") }
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(items)
                }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    if try next() == UInt8(ascii: "]") { return .array(items) }
                    guard bytes[i - 1] == UInt8(ascii: ",") else { throw ParseError(message: "expected , or ]") }
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            default: return .number(try number())
            }
        }

        mutating func next() throws -> UInt8 {
            guard i < bytes.count else { throw ParseError(message: "header ends early") }
            i += 1
            return bytes[i - 1]
        }

        mutating func expect(_ c: Character) throws {
            guard try next() == c.asciiValue! else { throw ParseError(message: "expected \(c)") }
        }

        mutating func literal(_ word: String) throws {
            for c in word.utf8 { guard try next() == c else { throw ParseError(message: "bad literal") } }
        }

        mutating func number() throws -> Double {
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            guard i > start, let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else {
                throw ParseError(message: "bad number")
            }
            return d
        }

        mutating func string() throws -> String {
            try expect("\"")
            var out = [UInt8]()
            while true {
                let c = try next()
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 { throw ParseError(message: "control character in string") }
                if c != UInt8(ascii: "\\") {
                    out.append(c)
                    continue
                }
                let e = try next()
                switch e {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count,
                        let code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
                    else {
                        throw ParseError(message: "bad \\u escape")
                    }
                    i += 4
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
                default: out.append(e)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
