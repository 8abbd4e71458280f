/// An input equal to a base image (a `LocalChangeScorer`'s) except inside `box`, where it holds `values`: box height
/// × width × the input's channels, row-major. Occlusion's windows (the image with one square filled) and Score-CAM's
/// masked inputs (zero outside the mask's support) are such inputs.
public struct LocalChange: Sendable {
    public let box: Box
    public let values: [Float]

    public init(box: Box, values: [Float]) {
        self.box = box
        self.values = values
    }
}
