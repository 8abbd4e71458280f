/// What the model's last layer gives: nothing to classify (a backbone), logits that softmax turns into
/// probabilities, or one sigmoid unit (a two-class head: class 1 has p, class 0 has 1 − p).
public enum ModelOutput: Equatable, Sendable {
    case features
    case softmax
    case sigmoid
}
