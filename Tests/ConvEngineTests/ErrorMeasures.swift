/// max |a − b| / max(|a|, |b|, floor): relative error that does not blow up near zero.
func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(abs($1.0), abs($1.1), floor)) }
}

func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
