extension DenseLayerParameters {
    /// `body(rows, those rows of the kernel)` over the kernel: `Dense.streamRows` rows at a time where it is not held
    /// (a long run's streamed kernel, a randomised one: `KernelStorage.streamIfLetGo`), else once over all of them.
    func forEachRows(ways: Int, _ body: (Range<Int>, UnsafeBufferPointer<Float>) -> Void) {
        let streamed = storage.streamIfLetGo(chunk: Dense.streamRows * outputs, ways: ways) { r, k in
            body((r.lowerBound / outputs)..<(r.upperBound / outputs), k)
        }
        if !streamed { storage.withFloats { body(0..<inputs, $0) } }
    }
}
