import Dispatch

/// How a batch of images made by gradient steps (plain ascent, Lucid's method) is shared out: one lane per core (at
/// most 8), each holding as many images as the memory budget allows (at most 32), its runner's scratch counted;
/// lane k takes every lanes-th image; the lanes with work run side by side.
enum Lanes {
    /// Lanes and images per lane for `cores` cores, `memoryBudget` floats in all, `perImage` floats an image and
    /// `perLane(capacity)` floats a lane of that many images holds besides (its runner's scratch): a lane a core
    /// while each holds an image within the budget (one lane at least), and the most images a lane (at most 32) for
    /// which every lane's buffers fit, one at least.
    static func shape(
        cores: Int, memoryBudget: Int, perImage: Int, perLane: (Int) -> Int = { _ in 0 }
    ) -> (count: Int, capacity: Int) {
        var count = max(1, min(cores, 8))
        while count > 1 && count * (perImage + perLane(1)) > memoryBudget { count -= 1 }
        let fits = (1...32).last { count * ($0 * perImage + perLane($0)) <= memoryBudget }
        return (count, fits ?? 1)
    }

    /// Lane k's share of `batch`: every `count`-th item from the k-th.
    static func shares(_ batch: [Int], count: Int) -> [[Int]] {
        (0..<count).map { k in Array(stride(from: k, to: batch.count, by: count).map { batch[$0] }) }
    }

    /// Runs `body(k)` for every lane k with a non-empty share, side by side; returns those lanes.
    @discardableResult
    static func run(_ shares: [[Int]], _ body: (Int) -> Void) -> [Int] {
        let busy = shares.indices.filter { !shares[$0].isEmpty }
        if busy.count == 1 {
            body(busy[0])
        } else {
            DispatchQueue.concurrentPerform(iterations: busy.count) { body(busy[$0]) }
        }
        return busy
    }
}
