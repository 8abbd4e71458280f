import Dispatch
import Foundation

/// The 13 convolutions' Winograd kernels, made on first use and shared by every copy of the `VGG16Weights` they
/// belong to (a model and a filter ascent on the same weights hold one set). The forward set costs 36/9 = 4× the
/// kernels' memory (about 235 MB for VGG16); the input-gradient set is made only for the layers a backward pass
/// crosses. Thread-safe.
public final class WinogradKernels: @unchecked Sendable {
    private let lock = NSLock()
    private var forward: [Int: WinogradKernel] = [:]
    private var inputGradient: [Int: WinogradKernel] = [:]

    public init() {}

    /// Convolution `index`'s forward kernel, or nil when its channel counts do not fit Winograd.
    public func forward(_ index: Int, of convs: [ConvParameters]) -> WinogradKernel? {
        kernel(index, convs, cache: \.forward) { WinogradKernel(forward: $0, inChannels: $1, outChannels: $2) }
    }

    /// Convolution `index`'s input-gradient kernel, or nil when its channel counts do not fit Winograd.
    public func inputGradient(_ index: Int, of convs: [ConvParameters]) -> WinogradKernel? {
        kernel(index, convs, cache: \.inputGradient) { WinogradKernel(inputGradientOf: $0, inChannels: $1, outChannels: $2) }
    }

    /// Makes every forward kernel now, the layers side by side.
    public func prepareForward(_ convs: [ConvParameters]) {
        DispatchQueue.concurrentPerform(iterations: convs.count) { i in _ = forward(i, of: convs) }
    }

    private func kernel(_ index: Int, _ convs: [ConvParameters], cache: ReferenceWritableKeyPath<WinogradKernels, [Int: WinogradKernel]>,
                        make: ([Float], Int, Int) -> WinogradKernel) -> WinogradKernel? {
        let c = convs[index]
        let cout = c.bias.count, cin = c.kernel.count / (9 * max(cout, 1))
        guard WinogradKernel.fits(inChannels: cin, outChannels: cout) else { return nil }
        lock.lock()
        if let k = self[keyPath: cache][index] { lock.unlock(); return k }
        lock.unlock()
        let k = make(c.kernel, cin, cout)
        lock.lock(); defer { lock.unlock() }
        if let existing = self[keyPath: cache][index] { return existing }
        self[keyPath: cache][index] = k
        return k
    }
}
