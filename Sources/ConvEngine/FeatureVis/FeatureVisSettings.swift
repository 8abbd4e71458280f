/// What a feature-visualisation image maximises (Olah et al. 2017's objectives).
public enum FeatureVisObjective: String, Hashable, Sendable, Codable, CaseIterable {
    /// A filter's mean activation over its map, the border left out (as the plain ascent measures it).
    case channel
    /// A filter's activation at the centre of its map: one neuron, so the image shows its receptive field.
    case neuron
    /// The mean square of the whole layer, every filter at once: on a photo, DeepDream.
    case layer
}

/// How feature-visualisation images are made: Lucid's method (Olah et al., "Feature Visualization", Distill 2017),
/// an image parameterised in a decorrelated colour space and a 1/f-scaled Fourier basis, optimised with Adam (its
/// second moment half pooled over the image, `pooledMoment`) through a random jitter, scale and small turn each step
/// for the first steps and on the image itself for the rest (`still`), with ReLUs' gradients redirected where a unit
/// is dead on the whole image.
public struct FeatureVisSettings: Hashable, Sendable, Codable {
    /// Image side in pixels (a multiple of 16); the network sees it at this size.
    public var size = 96
    public var steps = 36
    /// Adam's step (Lucid: 0.05 over 512 steps; a few dozen steps need more). With the pooled second moment
    /// (`pooledMoment`) the steps of the coefficients the filter hardly answers shrink, so the rate is higher than
    /// plain Adam's 0.15 for the same change of the image.
    public var learningRate: Float = 0.25
    /// Adam's step for a start from a photo (DeepDream): gentler, so the photo is still seen in the dream.
    public static let photoLearningRate: Float = 0.02

    /// For a start from a photo (DeepDream): the gentler rate, Lucid's full colour decorrelation, a view every
    /// step, plain Adam and the spectrum it had (1/f^1.35, flat only at the mean). The milder decorrelation, the still
    /// steps and the pooled moment that make filter images more active turn a dream's photo garish and flat.
    public mutating func startFromPhoto() {
        learningRate = Self.photoLearningRate
        colourPower = 1
        still = 0
        fieldsFlat = 0
        pooledMoment = 0
        decay = Self.photoDecay
    }
    /// The spectrum's exponent for a start from a photo (as Adam's images had it before the pooled moment).
    public static let photoDecay: Float = 1.35
    /// The spread of the starting coefficients (Lucid: 0.01, a near-gray start, on which 12 of block2_conv1's
    /// filters 0–15 are dead). At 0.3 the start is a faint coloured haze on which 7 are, so fewer images spend
    /// their first steps reviving their filter by brightening the whole image.
    public var startSpread: Float = 0.3
    public var seed: UInt64 = 1
    /// Activation pixels left out of the measured mean at each edge of the layer's map (as the plain ascent's).
    public var border = 2
    public var objective = FeatureVisObjective.channel
    /// Optimise in decorrelated colour (off: in RGB).
    public var decorrelate = true
    /// How strongly the decorrelated colour directions are scaled by ImageNet's spread along them
    /// (`ColourCorrelation.matrix(power:)`; Lucid: 1; 0: all alike). Lucid's full scaling gives the colour-contrast
    /// directions a quarter and an eighth of brightness's step, too little for 36 steps to reach the colour
    /// contrast many filters want; at 0.5 (a half and a third) the mean activation rises by 4–33 % (filters 0–15
    /// of block1–block5, most in block3_conv1) and the colours, more saturated, stay short of RGB's neon.
    /// With the pooled moment (`pooledMoment` p) a colour direction of length n steps the image by n^(power·(2 − p)),
    /// not n^power: at 0.25 and p = ½, n^0.375, a little more colour than plain Adam's n^0.5 before. At the power
    /// 1/3 (Adam's n^0.5 again; 1/f^0.7) block3_conv1 reached 0.87 of plain's as shown against 0.92 at 0.25 (1/f^0.8;
    /// filters 0–15); at 0 (RGB's neon) 1.08 against 1.045 (64 filters).
    public var colourPower: Float = 0.25
    /// The random views: shift up to `jitter` pixels each way, scale within 1 ± `scaleSpread`, turn up to
    /// `rotation` degrees. All zero: no transformation robustness.
    public var jitter = 8
    public var scaleSpread: Float = 0.1
    public var rotation = 10
    /// The share of the steps (the first ones) whose ReLU gradients are redirected where a unit is dead on the
    /// whole image. The redirection changes nothing while a unit is alive anywhere on the image, so by default it
    /// stays on: ended halfway, a filter the steps kill again stays dead (block5_conv1: 5 of 16 still dead at the end
    /// against 3).
    public var warmup: Float = 1
    /// For the first `wake` share of the steps, an image whose filter is active on under `wakeBelow` of the measured
    /// window takes the objective's gradient before the filter's own ReLU (the plain ascent's rule, a quarter
    /// there too): through the ReLU a nearly dead filter's gradient comes only from its few live positions; before
    /// it, the gradient points to the filter's pattern everywhere. Filters 0–63 of each block's first convolution
    /// (96 px, 36 steps), the mean activation as shown against plain's: block2_conv1 0.94 → 1.00 (with the flat
    /// spectrum held at 1/40, `flattestBelow`), block3_conv1 0.84 → 0.875, block4_conv1 1.25 → 1.26, block1 and
    /// block5 unchanged; fine detail at most 0.49 of plain's. Over the whole run (filters 0–15, flat below 1/30)
    /// block2_conv1's fine detail rises to 0.54 of plain's for less activation. 0: never.
    public var wakeBelow: Float = 0.25
    public var wake: Float = 0.5
    /// The Fourier coefficients' scale falls as 1/f^decay (Lucid: 1). With plain Adam the image's step at f is the
    /// scale, so 1.35 (a little steeper than Lucid's) put a 36-step run into the coarser patterns. With the pooled
    /// moment p the gradient at f carries the scale too (the chain rule), and the image's step goes as
    /// scale^(2 − p) times the gradient's own spectrum^(1 − p): 0.9 at p = ½ gives the same 1/f^1.35 prior, weighted
    /// by what the filter answers.
    public var decay: Float = 0.9
    /// Patterns wider than `fieldsFlat` times the layer's receptive field get no larger step than patterns that wide:
    /// the 1/f scale stops rising below 1/(fieldsFlat · field) cycles per pixel, a frequency held at most
    /// `flattestBelow` (0: Lucid's, rising to the image's size). A unit cannot tell such a pattern from a flat colour,
    /// yet 1/f gives it the largest steps: for block2_conv1 (field 10 px) the first steps went to colour blobs wider
    /// than 20 px that saturate the sigmoid and leave the filter's pixel-scale grating no room. At 2 (filters 0–15, 96
    /// px, 36 steps) the mean activation as shown rises from 0.54 to 0.71 of plain's in block2_conv1 and from 0.66 to
    /// 0.70 in block3_conv1; from block4 on the limit is under 1/side and nothing changes; the small fields of block1
    /// and block2 are held at `flattestBelow` (block1 unheld, at 1/6: fine detail 0.65 of plain's).
    public var fieldsFlat: Float = 2
    /// The highest frequency the spectrum is held flat below, whatever the field (cycles per pixel). With plain Adam
    /// and the waking rule (`wakeBelow`), block2_conv1 (field 10 px) flat below 1/20 reached 0.93 of plain's mean
    /// activation as shown with 0.58 of its fine detail (filters 0–15: over the limit); below 1/30, 1.02 and 0.52
    /// (filters 0–63); below 1/40, 1.00 and 0.47. With the pooled moment the filter's own gradient keeps the steps off
    /// patterns it cannot see, and holding less lowers both the activation and the fine detail (filters 0–63, three
    /// quarters still): below 1/40 block2_conv1 reaches 1.15 of plain's with 0.51 of its fine detail (over), below 1/60
    /// 1.13 and 0.50, below 1/80 1.11 and 0.44, with Lucid's spectrum (fieldsFlat 0) 1.10 and 0.39; block3_conv1 1.04,
    /// 1.03, 1.01 and 0.995. At 96 px, 1/80 only lowers the four lowest frequencies (1/96) by 1.2^0.9.
    public static let flattestBelow: Float = 1 / 80
    /// The flattest frequency `FourierImage` is given for the model truncated at the layer (see `fieldsFlat`).
    func flatBelow(_ truncated: Model) -> Float {
        guard fieldsFlat > 0 else { return 0 }
        let field = ReceptiveField(model: truncated, through: truncated.layers.count - 1)
        return min(1 / (fieldsFlat * Float(max(field.vertical.size, field.horizontal.size))), Self.flattestBelow)
    }
    /// The share of the steps (the last ones) taken on the image itself, without a random view. The views of the
    /// first steps have by then set coarse, robust patterns (their fine detail stays under half the plain ascent's);
    /// the still steps fit them to the one view the image is measured and shown in (Lucid's 512 steps all take a
    /// view): at 36 steps half of them still raises the mean activation by 3–45 % (filters 0–15 of block1–block5);
    /// three quarters, with `fieldsFlat` and `startSpread` 0.3, a little more in block2–block5 (filters 0–15:
    /// block2_conv1 0.71 → 0.81 of plain's as shown, block3_conv1 0.70 → 0.77), fine detail still under half
    /// plain's.
    /// With the pooled moment, 85 % of the steps still (filters 0–63) raise block2_conv1 from 1.11 to 1.13 of
    /// plain's and block3_conv1 from 1.01 to 1.03, fine detail 0.44 → 0.46 and 0.34 → 0.36 of plain's.
    public var still: Float = 0.85

    /// The share of Adam's second moment pooled over the image's coefficients (`Adam.ascend(…pooled:)`): each
    /// coefficient's step is divided by its own RMS gradient to the power 1 − p and the image's mean RMS gradient
    /// to the power p. Plain Adam (0) steps every coefficient by about the rate whatever its gradient, so the
    /// image's spectrum is the prior's for every filter: a filter that wants a 2–3 px grating gets as little fine
    /// detail as one that wants blobs, and one that wants blobs as much. At ½ a coefficient steps with the square
    /// root of its gradient, so each image puts its detail where its filter answers: filters 0–63 of block3_conv1
    /// (with `decay` 0.9, `colourPower` 0.25, rate 0.25) reach 1.03 of plain's mean activation as shown against
    /// 0.875, with 0.36 of plain's fine detail against 0.46. At 1 (the gradient's own spectrum, `decay` 0.7, rate
    /// 0.08; filters 0–15) block3_conv1 falls to 0.66 of plain's: too few coefficients move in 36 steps.
    public var pooledMoment: Float = 0.5

    /// Pixels cropped from each edge of the shown image (as the plain ascent's: the edges meet the network's zero
    /// padding and the views' gray fill).
    public var crop: Int { max(2, size / 16) }

    /// Steps whose sleeping filters take the gradient before their ReLU (see `wakeBelow`).
    var wakeSteps: Int { Int((Float(steps) * wake).rounded()) }

    /// Steps taken with the redirected ReLU.
    var warmupSteps: Int { Int((Float(steps) * warmup).rounded()) }

    /// The last steps, taken without a view.
    var stillSteps: Int { Int((Float(steps) * still).rounded()) }

    public init(
        size: Int = 96, steps: Int = 36, learningRate: Float = 0.25, seed: UInt64 = 1,
        objective: FeatureVisObjective = .channel
    ) {
        self.size = size
        self.steps = steps
        self.learningRate = learningRate
        self.seed = seed
        self.objective = objective
    }

    /// Checks the settings for `layer` and returns the model up to that layer at this input size.
    public func validate(for layer: LayerInfo, in model: Model) throws -> Model {
        let defaults = FeatureVisSettings()
        guard (16...1024).contains(size), size % 16 == 0 else {
            throw FeatureVisError.badSize(size, default: defaults.size)
        }
        guard (1...1000).contains(steps) else { throw FeatureVisError.badSteps(steps, default: defaults.steps) }
        guard learningRate.isFinite, learningRate > 0, learningRate <= 10 else {
            throw FeatureVisError.badLearningRate(learningRate)
        }
        guard startSpread.isFinite, startSpread >= 0, scaleSpread.isFinite, (0..<0.5).contains(scaleSpread),
            (0...64).contains(jitter), (0...45).contains(rotation), (0...1).contains(warmup),
            (0...1).contains(still), (0...1).contains(colourPower), decay.isFinite, (0...3).contains(decay),
            fieldsFlat.isFinite, (0...16).contains(fieldsFlat), (0...1).contains(wakeBelow), (0...1).contains(wake),
            (0...1).contains(pooledMoment)
        else { throw FeatureVisError.badTransforms }
        return try AscentSettings(size: size, steps: steps, border: objective == .neuron ? 0 : border)
            .validate(for: layer, in: model)
    }
}

/// Bad feature-visualisation requests, each said so a person can act on it.
public enum FeatureVisError: Error, Equatable, CustomStringConvertible {
    case badSize(Int, default: Int)
    case badSteps(Int, default: Int)
    case badLearningRate(Float)
    case badTransforms
    case photoSize(pixels: Int, side: Int)

    public var description: String {
        switch self {
        case .badSize(let s, let d):
            return "image size \(s) is not allowed: use a multiple of 16 from 16 to 1024 (default \(d))"
        case .badSteps(let s, let d): return "\(s) steps is not allowed: use 1 to 1000 (default \(d))"
        case .badLearningRate(let r):
            return "learning rate \(r) is not allowed: use a positive number up to 10 (default 0.25)"
        case .badTransforms:
            return
                "the transforms must be a jitter of 0–64 pixels, a scale spread under 0.5 and a rotation of 0–45°; the "
                + "warm-up and the still steps shares of 0–1 of the steps; the colour power 0–1; the decay 0–3; "
                + "the flat spectrum's 0–16 receptive fields; the waking share and steps and the pooled moment 0–1"
        case .photoSize(let p, let s):
            return "the photo has \(p) pixels; DeepDream needs it resized to \(s)×\(s) (\(s * s) pixels)"
        }
    }
}
