import Foundation

/// The two ways ConvScope makes filter images.
public enum FilterMethod: String, Hashable, Sendable, Codable, CaseIterable {
    /// Lucid's (Olah et al. 2017): `FeatureVis`.
    case lucid
    /// Chollet's plain gradient ascent in pixel space: `FilterAscent`.
    case plain
}

/// A method with its settings: what a set of filter images is made by, and what a cache of them is keyed by.
public enum FilterRecipe: Hashable, Sendable, Codable {
    case lucid(FeatureVisSettings)
    case plain(AscentSettings)

    public var method: FilterMethod {
        switch self {
        case .lucid: return .lucid
        case .plain: return .plain
        }
    }

    /// The input side in pixels.
    public var size: Int {
        switch self {
        case .lucid(let s): return s.size
        case .plain(let s): return s.size
        }
    }

    public var steps: Int {
        switch self {
        case .lucid(let s): return s.steps
        case .plain(let s): return s.steps
        }
    }

    /// One line for people: input, steps and the method.
    public var summary: String {
        switch self {
        case .lucid(let s):
            return "\(s.size)×\(s.size) input, \(s.steps) steps of Lucid's method (Adam, rate \(s.learningRate))"
        case .plain(let s): return "\(s.size)×\(s.size) input, \(s.steps) steps of \(s.stepSize) (plain ascent)"
        }
    }

    /// Makes the engine for `layer` of `model`: a `FeatureVis` or a `FilterAscent`, with a lane for each of `cores`
    /// cores (fewer where the budget does not hold one image in each).
    public func maker(
        model: Model, layer: String, memoryBudget: Int = 64 << 20,
        cores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> any FilterImageMaker {
        switch self {
        case .lucid(let s):
            return try FeatureVis(model: model, layer: layer, settings: s, memoryBudget: memoryBudget, cores: cores)
        case .plain(let s):
            return try FilterAscent(model: model, layer: layer, settings: s, memoryBudget: memoryBudget, cores: cores)
        }
    }
}

/// A filter-image run taken one step at a time (`AscentJob`, `FeatureVisJob`): a caller on a serial queue can
/// interleave other work between steps and drop the job to cancel it.
public protocol FilterImageJob: AnyObject {
    var filters: [Int] { get }
    var stepsDone: Int { get }
    var stepsTotal: Int { get }
    var isFinished: Bool { get }
    /// Takes one step; returns the images of a batch when its last step is done, else nothing.
    func step() -> [FilterImage]
}

/// What makes filter images of one layer with one recipe (`FilterAscent`, `FeatureVis`).
public protocol FilterImageMaker: AnyObject {
    var layer: LayerInfo { get }
    var recipe: FilterRecipe { get }
    /// Images made together in one step.
    var batchSize: Int { get }
    /// The floats the maker's buffers hold, its lanes' runners' scratch included (at most its memory budget unless
    /// one image a lane takes more).
    var heldFloats: Int { get }
    func job(filters: [Int]) throws -> any FilterImageJob
}

extension AscentJob: FilterImageJob {}

extension FilterAscent: FilterImageMaker {
    public var recipe: FilterRecipe { .plain(settings) }
    public func job(filters: [Int]) throws -> any FilterImageJob { try AscentJob(self, filters: filters) }
}

extension FeatureVis: FilterImageMaker {
    public var recipe: FilterRecipe { .lucid(settings) }
    public func job(filters: [Int]) throws -> any FilterImageJob { try FeatureVisJob(self, filters: filters) }
}
