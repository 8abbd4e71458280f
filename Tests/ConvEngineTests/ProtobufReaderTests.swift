import Foundation
import XCTest

@testable import ConvEngine

/// The protobuf wire reader that replaced swift-protobuf for ONNX: packed and unpacked repeated fields read alike,
/// unknown fields are skipped, and every way bytes can lie (a length past the end, a runaway varint, a group, a cut
/// anywhere in a real model) is an error, never a crash or a read outside the buffer.
final class ProtobufReaderTests: XCTestCase {
    private func varint(_ v: UInt64) -> [UInt8] {
        var v = v
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7f) | (v >= 0x80 ? 0x80 : 0))
            v >>= 7
        } while v > 0
        return out
    }
    private func key(_ field: Int, _ wire: Int) -> [UInt8] { varint(UInt64(field << 3 | wire)) }
    private func delimited(_ field: Int, _ body: [UInt8]) -> [UInt8] {
        key(field, 2) + varint(UInt64(body.count)) + body
    }

    private func tensor(_ bytes: [UInt8]) throws -> Onnx_TensorProto {
        let data = Data(bytes)
        return try data.withUnsafeBytes { buffer in
            var r = ProtobufReader(bytes: buffer, data: data)
            return try Onnx_TensorProto(&r)
        }
    }

    func testTensor_PackedAndUnpackedDimsAndFloatsReadAlike() throws {
        let floats: [Float] = [1.5, -2, 3.25]
        let floatBytes = floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }
        let packed =
            delimited(1, varint(2) + varint(300)) + key(2, 0) + varint(1) + delimited(4, floatBytes)
            + delimited(8, Array("w".utf8))
        let unpacked =
            key(1, 0) + varint(2) + key(1, 0) + varint(300) + key(2, 0) + varint(1)
            + floats.flatMap { f in key(4, 5) + withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }
            + key(99, 0) + varint(7) + delimited(8, Array("w".utf8))  // an unknown field 99 in between is skipped
        for bytes in [packed, unpacked] {
            let t = try tensor(bytes)
            XCTAssertEqual(t.dims, [2, 300])
            XCTAssertEqual(t.dataType, 1)
            XCTAssertEqual(t.floatData, floats)
            XCTAssertEqual(t.name, "w")
        }
    }

    func testReader_LiesAreErrors() {
        let cases: [(String, [UInt8])] = [
            ("a length past the end", delimited(8, Array("abc".utf8)).dropLast()),
            ("a huge length", key(9, 2) + varint(UInt64(Int64.max))),
            ("a varint of 11 bytes", key(2, 0) + [UInt8](repeating: 0xff, count: 10) + [0x01]),
            ("a cut varint", key(2, 0) + [0x80]),
            ("a start-group wire type", key(3, 3)),
            ("field number 0", [0x00]),
            ("a cut fixed32", key(4, 5) + [1, 2]),
        ]
        for (what, bytes) in cases {
            XCTAssertThrowsError(try tensor(bytes), what) { XCTAssertTrue($0 is ProtobufReader.Malformed, what) }
        }
    }

    /// The real model cut at 200 places: each prefix parses or throws; none crashes.
    func testModel_EveryCutOfARealFileIsAnErrorOrAShorterModel() throws {
        let path = ModelReference.root.appendingPathComponent("vgg16_finetuned/model.onnx").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var refused = 0
        for i in 0..<200 {
            let cut = data.count * i / 200
            do { _ = try Onnx_ModelProto(serializedBytes: data.prefix(cut)) } catch { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 150)
        let whole = try Onnx_ModelProto(serializedBytes: data)
        XCTAssertTrue(whole.hasGraph)
        XCTAssertFalse(whole.graph.node.isEmpty)
    }
}
