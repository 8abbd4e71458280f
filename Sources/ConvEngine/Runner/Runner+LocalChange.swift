/// Forward passes of inputs that differ from a base image only inside a box (`LocalChange`). A change reaches, at
/// each later layer, only its box grown by that layer's reach (a k×k stride-1 'same' convolution: (k − 1)/2 on every
/// side; a pool: the windows that read it; an element-wise layer: the same box), so each layer is recomputed over that
/// part alone, as one crop per image holding it and the halo the layer reads, everything else taken from the base
/// image's own pass. Once the part is most of a map, or a layer mixes every position (flatten, dense, global
/// pooling), the whole maps run on as `lastOutputs` runs them. Each value is the same sum as in the whole pass, except
/// that a Winograd tile starts at its crop's corner, not the map's: the outputs agree to float rounding.
extension Runner {
    /// Above this share of a map's positions a crop costs about what the whole map does: the whole maps run from
    /// there.
    static let localShare = 0.8

    /// Layer `last`'s outputs (nil: the last layer's) for `changes` (1…`batch` of them, none empty, all inside the
    /// input) of the image whose pass is `base`.
    func lastOutputs(changes: [LocalChange], base: Activations, through last: Int? = nil) -> [Float] {
        let last = last ?? layers.count - 1
        let n = changes.count
        let input = model.input
        precondition(n >= 1 && n <= batch, "a batch this runner was sized for")
        precondition(
            changes.allSatisfy {
                !$0.box.isEmpty && $0.box.y0 >= 0 && $0.box.x0 >= 0 && $0.box.y1 <= input.height
                    && $0.box.x1 <= input.width && $0.values.count == $0.box.area * input.channels
            }, "changes inside the input, each with its box's values")
        let size = layers[last].output.count
        var out = [Float](unsafeUninitializedCapacity: n * size) { _, count in count = n * size }
        let m = passBatch(n, over: 0..<(last + 1))
        withPassBuffers(floats: passFloats(m, through: last)) { a, b in
            var first = 0
            while first < n {
                let part = first..<min(first + m, n)
                let y = lastOutputs(changes: changes, part, base: base, through: last, a: &a, b: &b)
                out.withUnsafeMutableBufferPointer { op in
                    y.withUnsafeBufferPointer {
                        (op.baseAddress! + first * size).update(from: $0.baseAddress!, count: $0.count)
                    }
                }
                first = part.upperBound
            }
        }
        return out
    }

    /// Layer `last`'s outputs for the changes in `part`, each layer cropped as for all the `changes` (so a change's
    /// crops, and its sums, do not depend on how the batch is split).
    private func lastOutputs(
        changes all: [LocalChange], _ part: Range<Int>, base: Activations, through last: Int,
        a: inout [Float], b: inout [Float]
    ) -> ArraySlice<Float> {
        let input = model.input
        let n = part.count
        let changes = Array(all[part])
        let values = changes.flatMap(\.values)
        var offsets = [0]
        for change in changes { offsets.append(offsets.last! + change.values.count) }
        var validAll = all.map(\.box)
        var cropAll = Crop(covering: validAll, within: input)
        var valid: [Box] { Array(validAll[part]) }
        var crop: Crop { cropAll.part(part) }
        values.withUnsafeBufferPointer { vp in
            let sources = (0..<n).map {
                Source(
                    values: vp.baseAddress! + offsets[$0], y: valid[$0].y0, x: valid[$0].x0,
                    width: valid[$0].width, valid: valid[$0])
            }
            gather(sources, base: base.input, crop: crop, into: &a)
        }
        var i = 0
        while i <= last && !cropAll.isWhole {
            let s = inputShape(i)
            let o = layers[i].output
            let next: [Box]
            var needed: Crop
            switch reach(i) {
            case .same:
                next = validAll
                needed = cropAll
            case .convolution(let r):
                next = validAll.map { $0.grown(by: r, within: o.height, o.width) }
                needed = Crop(covering: next.map { $0.grown(by: r, within: s.height, s.width) }, within: s)
            case .pool(let sy, let sx):
                next = validAll.map { $0.pooled(sy, sx) }
                needed = Crop(covering: next.map { $0.unpooled(sy, sx) }, within: s)
            case nil:
                next = validAll
                needed = .whole(s, count: all.count)
            }
            if !needed.isWhole && Double(needed.pixels) >= Self.localShare * Double(s.height * s.width) {
                needed = .whole(s, count: all.count)
            }
            if !(reach(i).map { $0 == .same } ?? false) || needed.isWhole {
                a.withUnsafeBufferPointer { ap in
                    let sources = (0..<n).map { k in
                        Source(
                            values: ap.baseAddress! + k * crop.pixels * s.channels, y: crop.origins[k].y,
                            x: crop.origins[k].x, width: crop.width, valid: valid[k])
                    }
                    gather(
                        sources, base: i == 0 ? base.input : base.outputs[i - 1], crop: needed.part(part), into: &b)
                }
                swap(&a, &b)
                cropAll = needed
            }
            if cropAll.isWhole { break }
            let outCrop = cropAll.scaled(to: o, from: s)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeMutableBufferPointer { bp in
                    forwardLayer(
                        i, x: ap.baseAddress!, batch: n, y: bp.baseAddress!,
                        shapes: (
                            TensorShape(cropAll.height, cropAll.width, s.channels),
                            TensorShape(outCrop.height, outCrop.width, o.channels)
                        ))
                }
            }
            swap(&a, &b)
            cropAll = outCrop
            validAll = next
            i += 1
        }
        if !cropAll.isWhole {  // every layer ran on crops: layer `last`'s whole maps
            let s = layers[last].output
            a.withUnsafeBufferPointer { ap in
                let sources = (0..<n).map { k in
                    Source(
                        values: ap.baseAddress! + k * crop.pixels * s.channels, y: crop.origins[k].y,
                        x: crop.origins[k].x, width: crop.width, valid: valid[k])
                }
                gather(sources, base: base.outputs[last], crop: .whole(s, count: n), into: &b)
            }
            swap(&a, &b)
            i = last + 1
        }
        runLayers(from: i, to: last + 1, count: n, x: &a, y: &b)
        return a.prefix(n * layers[last].output.count)
    }

    /// How far a change at layer `i`'s input spreads in its output, or nil when it spreads everywhere (or the layer is
    /// not one of the shapes handled here).
    private func reach(_ i: Int) -> Reach? {
        let s = inputShape(i)
        switch layers[i].kind {
        case .activation, .channelAffine, .dropout:
            return .same
        case .conv2D(let c):
            let r = c.kernelHeight / 2
            guard c.kernelHeight == c.kernelWidth, c.kernelHeight % 2 == 1, c.strides == (1, 1),
                c.padding == .explicit(top: r, left: r, bottom: r, right: r)
            else { return nil }
            return .convolution(r)
        case .maxPool(let p), .averagePool(let p):
            guard p.size == p.strides, p.padding == .explicit(top: 0, left: 0, bottom: 0, right: 0),
                s.height % p.size.0 == 0, s.width % p.size.1 == 0
            else { return nil }
            return .pool(p.size.0, p.size.1)
        default:
            return nil
        }
    }

    /// Fills each image's crop (at `crop.pixels` × the channels apart) from its source where the source is valid and
    /// from `base` (the base image's map) elsewhere.
    private func gather(_ sources: [Source], base: FeatureMap, crop: Crop, into dst: inout [Float]) {
        let c = base.channels
        let w = base.width
        base.data.withUnsafeBufferPointer { bp in
            dst.withUnsafeMutableBufferPointer { dp in
                let dst = dp.baseAddress!
                let base = bp.baseAddress!
                Parallel.split(sources.count, ways: ways) { _, range in
                    for k in range {
                        let source = sources[k]
                        let v = source.valid
                        let oy = crop.origins[k].y
                        let ox = crop.origins[k].x
                        let end = ox + crop.width
                        var out = dst + k * crop.pixels * c
                        for y in oy..<(oy + crop.height) {
                            let row = base + (y * w + ox) * c
                            if y >= v.y0 && y < v.y1 {
                                let left = min(max(v.x0, ox), end)
                                let right = max(min(v.x1, end), left)
                                out.update(from: row, count: (left - ox) * c)
                                (out + (left - ox) * c).update(
                                    from: source.values + ((y - source.y) * source.width + left - source.x) * c,
                                    count: (right - left) * c)
                                (out + (right - ox) * c).update(from: row + (right - ox) * c, count: (end - right) * c)
                            } else {
                                out.update(from: row, count: crop.width * c)
                            }
                            out += crop.width * c
                        }
                    }
                }
            }
        }
    }
}

private enum Reach: Equatable {
    case same
    case convolution(Int)
    case pool(Int, Int)
}

/// One image's changed values: `valid` (map positions) is held at `values`, a crop whose corner is at (`y`, `x`) and
/// whose rows are `width` positions long.
private struct Source {
    let values: UnsafePointer<Float>
    let y: Int, x: Int, width: Int
    let valid: Box
}

/// The same-sized part of each image's map a layer runs over: `height` × `width` from each image's origin.
private struct Crop: Equatable {
    let height: Int, width: Int
    let origins: [Origin]
    let isWhole: Bool
    var pixels: Int { height * width }

    struct Origin: Equatable {
        let y: Int, x: Int
    }

    /// The largest box's size, each crop moved inside the map as far as it must be to hold its box.
    init(covering boxes: [Box], within s: TensorShape) {
        let h = boxes.map(\.height).max() ?? 0
        let w = boxes.map(\.width).max() ?? 0
        height = h
        width = w
        origins = boxes.map { Origin(y: min($0.y0, s.height - h), x: min($0.x0, s.width - w)) }
        isWhole = h == s.height && w == s.width
    }

    private init(height: Int, width: Int, origins: [Origin], isWhole: Bool) {
        self.height = height
        self.width = width
        self.origins = origins
        self.isWhole = isWhole
    }

    /// The same crop for the images in `r` only.
    func part(_ r: Range<Int>) -> Crop {
        Crop(height: height, width: width, origins: Array(origins[r]), isWhole: isWhole)
    }

    static func whole(_ s: TensorShape, count n: Int) -> Crop {
        Crop(height: s.height, width: s.width, origins: Array(repeating: Origin(y: 0, x: 0), count: n), isWhole: true)
    }

    /// The same crop in a layer's output, of shape `o` where the input is `s` (a pool divides it).
    func scaled(to o: TensorShape, from s: TensorShape) -> Crop {
        let fy = s.height / o.height
        let fx = s.width / o.width
        return Crop(
            height: height / fy, width: width / fx, origins: origins.map { Origin(y: $0.y / fy, x: $0.x / fx) },
            isWhole: isWhole)
    }
}
