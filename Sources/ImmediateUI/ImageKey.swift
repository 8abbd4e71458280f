/// Names an image the platform layer owns as a texture.
///
/// The platform should cache textures by `id` and re-upload the pixels only when
/// `version` differs from the cached one. The app bumps `version` whenever the
/// pixels behind `id` change.
public struct ImageKey: Hashable, Sendable {
    public var id: UInt64
    public var version: Int

    public init(id: UInt64, version: Int = 0) {
        self.id = id
        self.version = version
    }

    /// A key whose `id` is the FNV-1a hash of `name` (e.g. `"channel-12"`).
    public init(_ name: String, version: Int = 0) {
        self.init(id: WidgetID.fnv1a(name), version: version)
    }
}
