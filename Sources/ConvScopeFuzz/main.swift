import ConvEngine
import Isolation
import Foundation
import Platform

// Two builds of one file set:
//  - normal (`swift build`): `ConvScopeFuzz TARGET FILE…` replays each file through the target and exits 0 unless
//    one of them crashes the process. The unit tests run the committed corpora and crashes this way.
//  - libFuzzer (`Scripts/fuzz`, `-sanitize=fuzzer,address -DFUZZING`): `ConvScopeFuzz [libFuzzer flags] CORPUS…`
//    with the target named by CONVSCOPE_FUZZ_TARGET; every input goes through `LLVMFuzzerTestOneInput`.

#if FUZZING

// SwiftPM links every executable on Linux with `--defsym main=ConvScopeFuzz_main`, so this file's top-level code is
// the process's `main` even under -sanitize=fuzzer (libFuzzer's own `main` is never linked in). It hands control to
// libFuzzer's driver, which parses the libFuzzer flags and calls `LLVMFuzzerTestOneInput` for every input.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

nonisolated(unsafe) private var fuzzTarget: FuzzTarget = .image

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    fuzzOne(target: fuzzTarget, data: data)
    return 0
}

let targetName = ProcessInfo.processInfo.environment["CONVSCOPE_FUZZ_TARGET"] ?? ""
guard let chosen = FuzzTarget.named(targetName) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write("CONVSCOPE_FUZZ_TARGET must be one of: \(names) (got \"\(targetName)\")\n".data(using: .utf8)!)
    exit(2)
}
fuzzTarget = chosen
atexit { removeScratchFiles() }
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput))

#else

// Replays go the way the app goes: files libhdf5 reads are parsed in a child (this executable in a child mode).
ChildModes.runIfChild([IsolatedModelLoader.childMode, IsolatedImageDecoder.childMode])
IsolatedChild.executable = "/proc/self/exe"
setenv("CONVSCOPE_MODEL_CACHE", "off", 1)   // every replay parses its file; none is kept in the user's cache
let args = CommandLine.arguments
guard args.count >= 2, let target = FuzzTarget.named(args[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
    FileHandle.standardError.write("usage: ConvScopeFuzz \(names) FILE…\n".data(using: .utf8)!)
    exit(2)
}
atexit { removeScratchFiles() }
var failures = 0
for file in args.dropFirst(2) {
    guard let data = FileManager.default.contents(atPath: file) else {
        FileHandle.standardError.write("cannot read \(file)\n".data(using: .utf8)!)
        failures += 1
        continue
    }
    fuzzOne(target: target, data: data)
}
exit(failures == 0 ? 0 : 1)

#endif
