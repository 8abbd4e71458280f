import Foundation

/// The classifier's outputs for one image.
public struct Classification: Sendable {
    /// The last layer's output: before softmax, or the one sigmoid unit's z.
    public let logits: [Float]
    /// One per class; for a sigmoid unit [1 − p, p].
    public let probabilities: [Float]
    public let output: ModelOutput

    /// The k most probable classes, most probable first (ties broken by lower index).
    public func top(_ k: Int) -> [(index: Int, probability: Float)] {
        let p = probabilities
        let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
        return order.prefix(max(0, k)).map { ($0, p[$0]) }
    }

    /// The score Grad-CAM explains: a class's logit (for a sigmoid unit z for class 1, −z for class 0), or its
    /// probability.
    public func score(_ c: Int, _ kind: CAMScore) -> Float {
        switch kind {
        case .probability: return probabilities[c]
        case .logit: return output == .sigmoid ? (c == 1 ? logits[0] : -logits[0]) : logits[c]
        }
    }

    /// ∂score/∂logits.
    public func scoreGradient(_ c: Int, _ kind: CAMScore) -> [Float] {
        if output == .sigmoid {
            let p = probabilities[1], sign: Float = c == 1 ? 1 : -1
            return [kind == .logit ? sign : sign * p * (1 - p)]
        }
        switch kind {
        case .logit: var g = [Float](repeating: 0, count: logits.count); g[c] = 1; return g
        case .probability: return Softmax.gradientOfProbability(probabilities, classIndex: c)
        }
    }
}

extension Runner {
    /// Probabilities from the last layer. Throws for a backbone.
    public func classify(_ a: Activations) throws -> Classification {
        guard model.hasClassifier else { throw EngineError.noClassifier(model: model.sourceName) }
        precondition(a.outputs.count == layers.count, "a whole pass, not one stopped at a layer")
        return classification(logits: a.outputs[layers.count - 1].data)
    }

    /// Probabilities from one image's last-layer output.
    func classification(logits: [Float]) -> Classification {
        switch model.output {
        case .sigmoid:
            let p = Float(1 / (1 + exp(-Double(logits[0]))))
            return Classification(logits: logits, probabilities: [1 - p, p], output: .sigmoid)
        default:
            return Classification(logits: logits, probabilities: Softmax.forward(logits), output: model.output)
        }
    }
}
