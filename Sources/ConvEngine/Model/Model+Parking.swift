import Dispatch

/// Weights let go while something else takes their place. The sanity check's randomised network replaces the trained
/// layers one at a time from the output down; a trained layer it has replaced is not used again until the check
/// ends, so where the model came from a file that stays open (a model cache entry: `KernelStorage`) its kernel and
/// its Winograd kernel go meanwhile (VGG16: up to 696 MiB, dense 472 and Winograd 224; the 3×3 kernels are let go
/// at start already) and come back with `unpark`.
/// A parked layer still runs correctly if something uses it: its kernel is read back and its Winograd kernel made
/// again on first use.
extension Model {
    /// Lets layer `index`'s weights go when they can be read back; returns whether they could.
    @discardableResult
    public func park(_ index: Int) -> Bool {
        let storage: KernelStorage
        switch layers[index].kind {
        case .conv2D(let c): storage = c.storage
        case .dense(let d): storage = d.storage
        default: return false
        }
        guard storage.canReadBack else { return false }
        winograd.drop([index])
        storage.release(evenIfReadBack: true)
        return true
    }

    /// Brings parked layers back as they were at start: dense kernels read back, the 3×3 convolutions' Winograd
    /// kernels made again (side by side) and their kernels let go once more.
    public func unpark(_ indices: [Int]) {
        let convs = indices.compactMap { i -> (Int, Conv2DParameters)? in
            if case .conv2D(let c) = layers[i].kind { return (i, c) } else { return nil }
        }
        let fitting = convs.filter { WinogradKernels.fits($0.1) }
        let missing = fitting.filter { !winograd.holdsForward($0.0) }
        DispatchQueue.concurrentPerform(iterations: missing.count) { k in
            _ = winograd.forward(missing[k].0, missing[k].1)
        }
        // Also those a job between two steps read back (and made its Winograd kernel from): they go again.
        for (_, c) in fitting { c.storage.release(evenIfReadBack: true) }
        for i in indices {
            switch layers[i].kind {
            // The forward pass reads them: back in place when mapped (no heap copy), else read back.
            case .conv2D(let c) where !WinogradKernels.fits(c): c.storage.bringBack()
            case .dense(let d): d.storage.bringBack()
            default: break
            }
        }
    }

    /// Whether layer `index`'s kernel is in memory now (for tests and reports).
    public func kernelIsResident(_ index: Int) -> Bool {
        switch layers[index].kind {
        case .conv2D(let c): return c.storage.isResident
        case .dense(let d): return d.storage.isResident
        default: return false
        }
    }
}

extension Model {
    /// Whether any dense kernel is read in place from a model cache entry (so it can be streamed).
    public var denseKernelsReadInPlace: Bool {
        layers.contains { l in
            if case .dense(let d) = l.kind { return d.storage.isMapped } else { return false }
        }
    }

    /// Runs a long run's `body` (Score-CAM, Ablation-CAM, the compare view's cells, ROAD, filter images) with
    /// every dense kernel read in place from a model cache entry streamed: its pages are let go now, and each pass
    /// reads it a chunk at a time and lets each chunk go after it (`KernelStorage.streamIfLetGo`), so the process holds
    /// none of it between passes (VGG16: 472 MB of fc1, fc2 and predictions). A pass after the run reads them back
    /// whole, checked.
    public func streamingDenseKernels<R>(_ body: () throws -> R) rethrows -> R {
        try withExtendedLifetime(DenseKernelStreaming(self)) { try body() }
    }
}

/// `Model.streamingDenseKernels` for a run spread over several queue items (the window's sanity check): the model's
/// dense kernels read in place are streamed from `init` until this goes, and by every model sharing them (the
/// check's randomised copies keep the trained dense layers above the step).
public final class DenseKernelStreaming: @unchecked Sendable {
    private let kernels: [KernelStorage]

    public init(_ model: Model) {
        kernels = model.layers.compactMap { l -> KernelStorage? in
            if case .dense(let d) = l.kind, d.storage.isMapped { return d.storage } else { return nil }
        }
        for k in kernels { k.stream(true) }
    }

    deinit { for k in kernels { k.stream(false) } }
}
