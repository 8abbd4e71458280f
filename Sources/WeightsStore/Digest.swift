import COpenSSL
import Foundation

/// An incremental MD5 or SHA-256 from the system's libcrypto (EVP): the two digests ConvScope needs, without building
/// a cryptography library of its own.
public struct Digest {
    public enum Algorithm { case md5, sha256 }
    private let context: OpaquePointer

    public init(_ algorithm: Algorithm) {
        guard let ctx = EVP_MD_CTX_new() else { preconditionFailure("libcrypto could not allocate a digest context") }
        context = ctx
        let md = algorithm == .md5 ? EVP_md5() : EVP_sha256()
        precondition(EVP_DigestInit_ex(ctx, md, nil) == 1, "libcrypto refused to start a digest")
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "libcrypto refused digest input")
    }

    /// The digest as lowercase hex; the context is freed, so call it once.
    public func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &out, &length) == 1, "libcrypto refused to finish a digest")
        EVP_MD_CTX_free(context)
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    /// One buffer's digest as lowercase hex.
    public static func hex(_ algorithm: Algorithm, of data: Data) -> String {
        let d = Digest(algorithm)
        data.withUnsafeBytes { d.update($0) }
        return d.finalizeHex()
    }
}
