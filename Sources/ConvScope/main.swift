import ConvEngine
import Isolation
import Foundation
import Platform

// A child process parsing a file for the window or the command line (IsolatedChild): nothing else runs in it.
ChildModes.runIfChild([IsolatedModelLoader.childMode, IsolatedImageDecoder.childMode])
// OpenBLAS chose a slow generic kernel for this CPU: restart once with the right one (see BLASKernel).
if let core = BLASKernel.betterCoreType() {
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)   // returns only on failure; then carry on as we are
}
IsolatedChild.executable = "/proc/self/exe"
MemoryPolicy.keepActivationPagesMapped()
ConvScopeCommand.main()
// A model being kept for the next run (ModelCache) is finished before exiting, once the window (if any) has closed.
CacheWriter.shared.finish(seconds: 30)
