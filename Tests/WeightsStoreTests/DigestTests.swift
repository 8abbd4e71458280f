import Foundation
import WeightsStore
import XCTest

/// MD5 and SHA-256 from the system's libcrypto against the standards' own test vectors (RFC 1321, FIPS 180-2).
final class DigestTests: XCTestCase {
    func testDigest_KnownAnswers() {
        XCTAssertEqual(Digest.hex(.md5, of: Data("abc".utf8)), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(Digest.hex(.md5, of: Data()), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(
            Digest.hex(.sha256, of: Data("abc".utf8)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            Digest.hex(.sha256, of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testDigest_InPiecesEqualsAtOnce() {
        let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let d = Digest(.sha256)
        data.withUnsafeBytes { raw in
            var i = 0
            while i < raw.count {
                let n = min(7_777, raw.count - i)
                d.update(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)]))
                i += n
            }
        }
        XCTAssertEqual(d.finalizeHex(), Digest.hex(.sha256, of: data))
    }
}
