import ConvEngine

/// Which filter images: the weights file, the layer and the method with its settings. The window caches by this.
struct FilterKey: Hashable {
    let weightsPath: String
    let layer: String
    let recipe: FilterRecipe

    /// For file names and log lines: "lucid_96px_36steps".
    var tag: String { "\(recipe.method.rawValue)_\(recipe.size)px_\(recipe.steps)steps" }
}

/// Filter images finished so far for one key, by filter index.
struct FilterSet {
    var images: [Int: FilterImage] = [:]

    /// The filters of `page` (64 a page) of a layer with `channels` filters that are not finished yet.
    func missing(page: Int, channels: Int) -> [Int] {
        FilterSet.page(page, channels: channels).filter { images[$0] == nil }
    }

    static func page(_ page: Int, channels: Int) -> [Int] {
        let first = min(max(page, 0) * 64, channels)
        return Array(first..<min(channels, first + 64))
    }
}

/// The engine's progress on the filter images being made.
struct FilterProgress {
    let key: FilterKey
    let filters: [Int]
    var stepsDone = 0
    var stepsTotal = 1
    var secondsLeft: Double?
    var fraction: Float { Float(stepsDone) / Float(max(1, stepsTotal)) }

    /// The share of all the work of `page` that is done: its filters finished before this run count as done, the
    /// run's own by its steps (9 of 64 finished before, the rest at 0 %: 14 %).
    func pageFraction(_ page: [Int]) -> Float {
        guard !page.isEmpty else { return fraction }
        let running = Set(filters).intersection(page).count
        return (Float(page.count - running) + fraction * Float(running)) / Float(page.count)
    }
}
