import COpenBLAS
import Foundation

/// One filter's finished image.
public struct FilterImage: Sendable {
    public let filter: Int
    /// Side of `rgb` in pixels: the input size less the cropped border.
    public let side: Int
    /// side·side·3 bytes, RGB: what is shown, cropped. Plain ascent: the deprocessed image centred and scaled to a
    /// visible range, clipped. Lucid's method: the image itself (it is in range), rounded.
    public let rgb: [UInt8]
    /// size·size·3 floats, RGB on the 0–255 scale: the raw result with the weights' preprocessing inverted, uncropped
    /// (plain ascent: unclipped too).
    public let raw: [Float]
    /// The objective on the start image and on the final one: for the plain ascent and Lucid's channel objective the
    /// filter's mean activation (border left out); for a neuron its activation at the map's centre; for a layer its
    /// mean square.
    public let startActivation: Float, finalActivation: Float

    public init(filter: Int, side: Int, rgb: [UInt8], raw: [Float], startActivation: Float, finalActivation: Float) {
        self.filter = filter; self.side = side; self.rgb = rgb; self.raw = raw
        self.startActivation = startActivation; self.finalActivation = finalActivation
    }

    /// The image as shown, without its raw floats (four times its bytes): what the window keeps once the disk cache
    /// has the whole image (VGG16's 13 convolutions at 96 px: 64 images each, 92 MB of raw floats).
    public var shownOnly: FilterImage {
        FilterImage(
            filter: filter, side: side, rgb: rgb, raw: [], startActivation: startActivation,
            finalActivation: finalActivation)
    }
}

/// Filter images for one convolution by batched gradient ascent in input space. Each step is one forward pass to the
/// layer and one backward pass to the input for a whole batch, so the GEMMs stay large; the batch is split across
/// one lane per core. Buffers are sized once. Not thread-safe: use one instance from one queue.
public final class FilterAscent {
    public let model: Model
    public let layer: LayerInfo
    public let settings: AscentSettings
    /// Filters finished together: `lanes.count` lanes of `lanes[0].capacity` images.
    public var batchSize: Int { lanes.count * lanes[0].capacity }
    public var heldFloats: Int { lanes.reduce(0) { $0 + $1.heldFloats } }
    private let lanes: [AscentLane]

    /// `memoryBudget` caps the floats all the buffers may hold, the lanes' runners' scratch included (default 64 Mi
    /// floats, 256 MB).
    public init(
        model: Model, layer name: String, settings: AscentSettings = AscentSettings(),
        memoryBudget: Int = 64 << 20, cores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws {
        let info = try model.hiddenLayer(name)
        let truncated = try settings.validate(for: info, in: model)
        self.model = model
        self.layer = info
        self.settings = settings
        let shape = Lanes.shape(
            cores: cores, memoryBudget: memoryBudget, perImage: AscentLane.floatsPerImage(truncated),
            perLane: { Runner.ownFloats(truncated, batch: $0) })
        let capacity = shape.capacity
        Parallel.useSingleThreadedBLAS()
        lanes = (0..<shape.count).map { _ in
            AscentLane(model: truncated, target: info, settings: settings, capacity: capacity)
        }
    }

    /// Runs `filters` a batch at a time. After every step `progress(stepsDone, stepsTotal)` is called, after every
    /// batch
    /// `finished(images)`; either returning false stops the run, which returns the images finished so far. Both are
    /// called on the calling thread.
    @discardableResult
    public func run(
        filters: [Int], progress: (Int, Int) -> Bool = { _, _ in true },
        finished: ([FilterImage]) -> Bool = { _ in true }
    ) throws -> [FilterImage] {
        let job = try AscentJob(self, filters: filters)
        var done: [FilterImage] = []
        while !job.isFinished {
            let images = job.step()
            if !progress(job.stepsDone, job.stepsTotal) { return done }
            if !images.isEmpty {
                done += images
                if !finished(images) { return done }
            }
        }
        return done
    }

    /// One step for every image of `batch` (shared out over the lanes, side by side); with `seedFirst`, the batch's
    /// images are seeded first; with `finish`, a last forward pass measures them and their images are returned.
    func step(_ batch: [Int], seedFirst: Bool, finish: Bool) -> [FilterImage] {
        let shares = Lanes.shares(batch, count: lanes.count)
        let step = settings.stepSize * model.preprocessing.unitsPerPixelValue
        Lanes.run(shares) { k in
            let lane = lanes[k], share = shares[k]
            if seedFirst { lane.seed(share) }
            lane.forward(share)
            if seedFirst { lane.start = lane.meanActivations(share) }
            lane.backward(share)
            lane.ascend(count: share.count, step: step)
            if finish {
                lane.forward(share)
                lane.final = lane.meanActivations(share)
            }
        }
        guard finish else { return [] }
        var images: [FilterImage] = []
        for (k, share) in shares.enumerated() {
            for (b, f) in share.enumerated() {
                images.append(self.finish(f, lanes[k].image(b), start: lanes[k].start[b], final: lanes[k].final[b]))
            }
        }
        return images.sorted { $0.filter < $1.filter }
    }


    /// Deprocess: invert the preprocessing, crop, centre and scale (mean 128, 64 per standard deviation), clip.
    private func finish(_ filter: Int, _ x: FeatureMap, start: Float, final: Float) -> FilterImage {
        let s = settings.size
        let crop = settings.crop
        let side = s - 2 * crop
        let raw = model.preprocessing.deprocess(x)
        var kept: [Float] = []
        kept.reserveCapacity(side * side * 3)
        for y in crop..<(s - crop) {
            let rowStart: Int = (y * s + crop) * 3
            kept.append(contentsOf: raw[rowStart..<(rowStart + side * 3)])
        }
        let n = Float(kept.count)
        let mean: Float = kept.reduce(0, +) / n
        let variance: Float = kept.reduce(0) { (sum: Float, v: Float) -> Float in sum + (v - mean) * (v - mean) } / n
        let spread: Float = variance.squareRoot() + 1e-5
        let rgb = kept.map { (v: Float) -> UInt8 in
            let level: Float = (v - mean) / spread * 64 + 128
            return UInt8(min(max(level, 0), 255).rounded())
        }
        return FilterImage(
            filter: filter, side: side, rgb: rgb, raw: raw, startActivation: start, finalActivation: final)
    }
}

/// A filter-ascent run taken one step at a time, so a caller on a serial queue can interleave other work between
/// steps and drop the job to cancel it.
public final class AscentJob {
    public let ascent: FilterAscent
    public let filters: [Int]
    public private(set) var stepsDone = 0
    public let stepsTotal: Int
    public var isFinished: Bool { stepsDone == stepsTotal }
    private let batches: [[Int]]

    public init(_ ascent: FilterAscent, filters: [Int]) throws {
        let channels = ascent.layer.channels
        for f in filters where f < 0 || f >= channels { throw AscentError.filterOutOfRange(f, filters: channels) }
        self.ascent = ascent
        self.filters = filters
        // As few batches as the batch size allows, as even as possible (64 filters at 12 a batch: 6 of 10–11, not 5 and
        // a 4).
        let count = (filters.count + ascent.batchSize - 1) / ascent.batchSize
        batches = (0..<count).map { Array(filters[(filters.count * $0 / count)..<(filters.count * ($0 + 1) / count)]) }
        stepsTotal = batches.count * ascent.settings.steps
    }

    /// Takes one step; returns the images of a batch when its last step is done, else nothing.
    public func step() -> [FilterImage] {
        precondition(!isFinished, "AscentJob.step after the last step")
        let steps = ascent.settings.steps
        let batch = batches[stepsDone / steps]
        let within = stepsDone % steps
        stepsDone += 1
        return ascent.step(batch, seedFirst: within == 0, finish: within == steps - 1)
    }
}
