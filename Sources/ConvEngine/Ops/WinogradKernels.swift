import Dispatch
import Foundation

/// A model's 3×3 convolutions' Winograd kernels, keyed by layer index, made on first use and shared by every copy
/// of the `Model` they belong to (a runner and the filter-ascent lanes on the same model hold one set). The set costs
/// 36/9 = 4× the kernels' memory (about 235 MB for VGG16); the backward pass uses it too (`Winograd.backwardInput`).
/// Thread-safe.
public final class WinogradKernels: @unchecked Sendable {
    private let lock = NSLock()
    private var forward: [Int: WinogradKernel] = [:]

    public init() {}

    /// Whether a convolution runs as Winograd: 3×3, stride 1, one pixel of padding, channels in multiples of 8.
    public static func fits(_ c: Conv2DParameters) -> Bool {
        c.isSame3x3 && WinogradKernel.fits(inChannels: c.inChannels, outChannels: c.outChannels)
    }

    /// Layer `index`'s forward kernel, or nil when the convolution does not fit Winograd.
    public func forward(_ index: Int, _ c: Conv2DParameters) -> WinogradKernel? {
        guard Self.fits(c) else { return nil }
        lock.lock()
        if let k = forward[index] {
            lock.unlock()
            return k
        }
        lock.unlock()
        let k = c.storage.withFloats {
            WinogradKernel(forward: $0, inChannels: c.inChannels, outChannels: c.outChannels)
        }
        lock.lock()
        defer { lock.unlock() }
        if let existing = forward[index] { return existing }
        forward[index] = k
        return k
    }

    /// The kernels for a copy of the model whose layers `changed` differ: this cache's kernels of every other layer,
    /// shared (not copied), and none of those. The sanity check's randomised networks transform only the layers they
    /// re-initialise.
    public func sharing(except changed: Set<Int>) -> WinogradKernels {
        let k = WinogradKernels()
        lock.lock()
        defer { lock.unlock() }
        k.forward = forward.filter { !changed.contains($0.key) }
        return k
    }

    /// Lets layers `indices`' kernels go (`Model.park`); the next use makes them again.
    func drop(_ indices: Set<Int>) {
        lock.lock()
        defer { lock.unlock() }
        forward = forward.filter { !indices.contains($0.key) }
    }

    /// Whether layer `index`'s kernel is held.
    func holdsForward(_ index: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return forward[index] != nil
    }

    /// Makes every forward kernel of `model` now, the layers side by side, and lets go the kernels they were made
    /// from where those can be read back from a file (`KernelStorage`): only the other paths read them again.
    public func prepareForward(_ layers: [Layer]) {
        let convs = layers.indices.compactMap { i -> (Int, Conv2DParameters)? in
            if case .conv2D(let c) = layers[i].kind, Self.fits(c) { return (i, c) } else { return nil }
        }
        DispatchQueue.concurrentPerform(iterations: convs.count) { k in _ = forward(convs[k].0, convs[k].1) }
        for (_, c) in convs { c.storage.release() }
    }
}
