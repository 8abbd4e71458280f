/// One image's best position in one channel: which image (its row in the index's image table), where in the layer's
/// map (y·width + x), and the value there.
struct TopSlot: Equatable, Sendable {
    var image: Int32
    var position: Int32
    var value: Float
}

/// One channel's strongest images, best first, at most one slot per image, kept up to a capacity.
///
/// `floor` is the best slot ever let go (pushed out by a better one, or refused for want of room), so the list is
/// always exactly the indexed images that rank above it. That makes removing an image (its file changed or went) exact
/// too: the list is then the images above the floor that are still there, and its first N are the true top N as long
/// as at least N remain, or nothing was ever let go. Ranking: larger value first; equal values by image path
/// (ascending), so the result does not depend on the order images arrive in.
struct TopList: Equatable, Sendable {
    private(set) var slots: [TopSlot] = []
    private(set) var floor: TopSlot?

    init() {}

    /// As read from a file, after `ChannelIndex` has checked it.
    init(slots: [TopSlot], floor: TopSlot?) { self.slots = slots; self.floor = floor }

    /// Whether `a` ranks above `b`.
    @inline(__always)
    static func ranks(_ a: TopSlot, above b: TopSlot, _ paths: [String]) -> Bool {
        if a.value != b.value { return a.value > b.value }
        return paths[Int(a.image)] < paths[Int(b.image)]
    }

    /// Offers an image's slot (an image not in the list); keeps at most `capacity`.
    mutating func offer(_ s: TopSlot, capacity: Int, paths: [String]) {
        if let f = floor, !Self.ranks(s, above: f, paths) { return }
        if slots.count >= capacity {
            guard Self.ranks(s, above: slots[slots.count - 1], paths) else { floor = s; return }
            floor = slots.removeLast()
        }
        var i = slots.count
        while i > 0 && Self.ranks(s, above: slots[i - 1], paths) { i -= 1 }
        slots.insert(s, at: i)
    }

    /// Drops the slots of the images `gone` marks.
    mutating func remove(_ gone: [Bool]) {
        if slots.contains(where: { gone[Int($0.image)] }) { slots.removeAll { gone[Int($0.image)] } }
    }

    /// Whether the first `n` slots are the channel's true top `n` (or all its images, when there are fewer).
    func isExact(top n: Int) -> Bool { floor == nil || slots.count >= n }

    /// Both lists' images together (disjoint sets of images, in the same table): the slots above the better floor,
    /// at most `capacity`.
    mutating func merge(_ other: TopList, capacity: Int, paths: [String]) {
        var floor = self.floor
        if let f = other.floor, floor.map({ Self.ranks(f, above: $0, paths) }) ?? true { floor = f }
        var all = (slots + other.slots).filter { s in floor.map { Self.ranks(s, above: $0, paths) } ?? true }
        all.sort { Self.ranks($0, above: $1, paths) }
        if all.count > capacity {
            floor = all[capacity]
            all.removeLast(all.count - capacity)
        }
        self.slots = all
        self.floor = floor
    }

    /// The same list with image i renumbered `map[i]`.
    func renumbered(_ map: [Int32]) -> TopList {
        func moved(_ s: TopSlot) -> TopSlot { TopSlot(image: map[Int(s.image)], position: s.position, value: s.value) }
        return TopList(slots: slots.map(moved), floor: floor.map(moved))
    }
}
