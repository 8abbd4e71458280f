import Foundation

/// Feature-visualisation images by Lucid's method (see `FeatureVisSettings`), batched like `FilterAscent`: each step
/// is one forward pass to the layer and one backward pass to the input for the whole batch, split into one lane per
/// core; buffers are sized once. Not thread-safe: use one instance from one queue.
public final class FeatureVis {
    public let model: Model
    public let layer: LayerInfo
    public let settings: FeatureVisSettings
    public let param: FourierImage
    /// Images made together: `lanes.count` lanes of `lanes[0].capacity` images.
    public var batchSize: Int { lanes.count * lanes[0].capacity }
    public var heldFloats: Int { lanes.reduce(0) { $0 + $1.heldFloats } }
    private let lanes: [FeatureVisLane]

    /// `memoryBudget` caps the floats all the buffers may hold, the lanes' runners' scratch included (default 64 Mi
    /// floats, 256 MB).
    public init(
        model: Model, layer name: String, settings: FeatureVisSettings = FeatureVisSettings(),
        memoryBudget: Int = 64 << 20, cores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws {
        let info = try model.hiddenLayer(name)
        let truncated = try settings.validate(for: info, in: model)
        self.model = model
        self.layer = info
        self.settings = settings
        let param = FourierImage(
            side: settings.size, decorrelate: settings.decorrelate, decay: settings.decay,
            colourPower: settings.colourPower, flatBelow: settings.flatBelow(truncated))
        self.param = param
        let shape = Lanes.shape(
            cores: cores, memoryBudget: memoryBudget, perImage: FeatureVisLane.floatsPerImage(truncated, param),
            perLane: { Runner.ownFloats(truncated, batch: $0) })
        let capacity = shape.capacity
        Parallel.useSingleThreadedBLAS()
        lanes = (0..<shape.count).map { _ in
            FeatureVisLane(model: truncated, settings: settings, param: param, capacity: capacity)
        }
    }

    /// Runs `filters` a batch at a time (see `FeatureVisJob`); `progress(stepsDone, stepsTotal)` after every step and
    /// `finished(images)` after every batch, either returning false to stop (the images finished so far returned).
    @discardableResult
    public func run(
        filters: [Int], photo: [UInt8]? = nil, progress: (Int, Int) -> Bool = { _, _ in true },
        finished: ([FilterImage]) -> Bool = { _ in true }
    ) throws -> [FilterImage] {
        let job = try FeatureVisJob(self, filters: filters, photo: photo)
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

    /// Step `index` (from 0) of every image of `batch`, the lanes side by side; the first seeds and measures the
    /// start, the last measures the end and returns the images.
    func step(_ batch: [Int], index: Int, photo: [Float]?) -> [FilterImage] {
        let shares = Lanes.shares(batch, count: lanes.count)
        let finish = index == settings.steps - 1
        let busy = Lanes.run(shares) { k in
            let lane = self.lanes[k]
            let share = shares[k]
            if index == 0 {
                lane.seed(share, photo: photo)
                lane.start = lane.measure(share)
            }
            lane.step(share, step: index)
            if finish { lane.final = lane.measure(share) }
        }
        guard finish else { return [] }
        var images: [FilterImage] = []
        for k in busy {
            for (b, f) in shares[k].enumerated() {
                let raw = lanes[k].image(b)
                let s = settings.size
                let crop = settings.crop
                let side = s - 2 * crop
                var rgb: [UInt8] = []
                rgb.reserveCapacity(side * side * 3)
                for y in crop..<(s - crop) {
                    rgb += raw[((y * s + crop) * 3)..<((y * s + s - crop) * 3)].map {
                        UInt8(min(max($0, 0), 255).rounded())
                    }
                }
                images.append(
                    FilterImage(
                        filter: f, side: side, rgb: rgb, raw: raw, startActivation: lanes[k].start[b],
                        finalActivation: lanes[k].final[b]))
            }
        }
        return images.sorted { $0.filter < $1.filter }
    }
}

/// A feature-visualisation run taken one step at a time, so a caller on a serial queue can interleave other work
/// between steps and drop the job to cancel it.
public final class FeatureVisJob: FilterImageJob {
    public let vis: FeatureVis
    public let filters: [Int]
    public private(set) var stepsDone = 0
    public let stepsTotal: Int
    private let batches: [[Int]]
    /// The photo's coefficients (DeepDream), shared by every image.
    private let photo: [Float]?

    /// `photo`: size·size·3 RGB bytes to start every image from (DeepDream), instead of seeded small noise.
    public init(_ vis: FeatureVis, filters: [Int], photo: [UInt8]? = nil) throws {
        let channels = vis.layer.channels
        for f in filters where f < 0 || f >= channels { throw AscentError.filterOutOfRange(f, filters: channels) }
        let s = vis.settings.size
        if let photo, photo.count != s * s * 3 {
            throw FeatureVisError.photoSize(pixels: photo.count / 3, side: s)
        }
        self.vis = vis
        self.filters = filters
        self.photo = photo.map { vis.param.coefficients(of: $0.map(Float.init)) }
        let count = (filters.count + vis.batchSize - 1) / vis.batchSize
        batches = (0..<count).map { Array(filters[(filters.count * $0 / count)..<(filters.count * ($0 + 1) / count)]) }
        stepsTotal = batches.count * vis.settings.steps
    }

    public var isFinished: Bool { stepsDone == stepsTotal }

    public func step() -> [FilterImage] {
        precondition(!isFinished, "FeatureVisJob.step after the last step")
        let steps = vis.settings.steps
        let batch = batches[stepsDone / steps]
        let within = stepsDone % steps
        stepsDone += 1
        return vis.step(batch, index: within, photo: photo)
    }
}
