import ConvEngine
import Foundation

// OpenBLAS chose a slow generic kernel for this CPU: restart once with the right one (see BLASKernel).
if let core = BLASKernel.betterCoreType() {
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)   // returns only on failure; then carry on as we are
}
MemoryPolicy.keepActivationPagesMapped()
ConvScopeCommand.main()
