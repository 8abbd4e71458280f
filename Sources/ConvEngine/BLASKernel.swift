import COpenBLAS
import Foundation

/// OpenBLAS picks its kernels when it loads, from the CPU model; on CPUs newer than the library it falls back to a
/// generic SSE3 kernel ("Prescott") several times slower than the CPU can go. This notices that, from the CPU's
/// features, so the executable can restart itself once with `OPENBLAS_CORETYPE` set.
public enum BLASKernel {
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The core type to ask for, or nil when OpenBLAS's own choice is already fine or was set by the user.
    public static func betterCoreType(cpuFlags: Set<String> = cpuFlags(), current: String = coreName,
                                      environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        let modern: Set<String> = ["skylakex", "cooperlake", "sapphirerapids", "haswell", "zen"]
        guard !modern.contains(current.lowercased()) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The `flags` line of /proc/cpuinfo.
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last.map { $0.split(separator: " ").map(String.init) } ?? [])
    }
}
