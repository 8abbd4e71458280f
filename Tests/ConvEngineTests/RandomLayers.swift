import ConvEngine

/// Layers with seeded random weights (He-uniform-like bounds, small biases) for the runner's tests.
func randomConv(
    _ rng: inout SeededRandom, kh: Int, kw: Int, _ cin: Int, _ cout: Int, strides: (Int, Int) = (1, 1),
    padding: Padding, activation: Activation = .linear
) -> LayerKind {
    let bound = (6 / Float(kh * kw * cin)).squareRoot()
    return .conv2D(
        Conv2DParameters(
            kernel: rng.floats(kh * kw * cin * cout, -bound, bound), bias: rng.floats(cout, -0.1, 0.1),
            kernelHeight: kh, kernelWidth: kw, inChannels: cin, outChannels: cout, strides: strides,
            padding: padding, activation: activation))
}

func randomDense(
    _ rng: inout SeededRandom, _ inputs: Int, _ outputs: Int, activation: Activation = .linear
) -> LayerKind {
    let bound = (6 / Float(inputs)).squareRoot()
    return .dense(
        DenseLayerParameters(
            kernel: rng.floats(inputs * outputs, -bound, bound), bias: rng.floats(outputs, -0.1, 0.1),
            inputs: inputs, outputs: outputs, activation: activation))
}
