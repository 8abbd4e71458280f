import CSDL2
import CSDL2TTF
import Foundation
import ImmediateUI
import Raster

/// Draws `DrawCommand`s on an SDL_Renderer.
///
/// Coordinates in commands are logical points; they are multiplied by `scale` and snapped to whole pixels
/// (each edge rounded on its own), so adjacent rectangles never leave gaps or overlap. Rectangles, outlines,
/// text and images blend with straight alpha (SDL_BLENDMODE_BLEND).
///
/// Text is rendered with TTF_RenderUTF8_Blended into textures cached by (string, role, colour) in a bounded LRU,
/// so frames that repeat the same text create no textures. Images are cached by `ImageKey.id` and uploaded again
/// only when `ImageKey.version` changes; their pixels come from `images`. Images are filtered linearly unless
/// `nearestNeighbour(key)` is true.
///
/// Not thread-safe: use it on the thread that created the renderer (the main thread).
public final class SDLCanvas {
    /// Pixels per logical point.
    public var scale: Float
    public let fonts: FontSet
    /// Where image pixels come from when a key's (id, version) is not cached (held strongly).
    public var images: ImageProvider?
    /// Keys for which the texture is sampled nearest-neighbour (crisp pixels), e.g. activation maps.
    public var nearestNeighbour: (ImageKey) -> Bool = { _ in false }
    /// Number of image uploads so far (texture creations and updates).
    public private(set) var textureUploads = 0
    /// Number of text textures rendered so far.
    public private(set) var textTexturesCreated = 0
    /// Upper bound on cached text textures (least recently used ones go first; never those used this frame).
    public var textCacheLimit = 1024 { didSet { trimText() } }
    /// Upper bound on image texture memory in bytes (least recently used go first; never those used this frame).
    public var imageCacheBudget = 512 << 20 { didSet { trimImages() } }
    /// Number of textures held for text and for images.
    public var cachedTextCount: Int { textCache.count }
    public var cachedImageCount: Int { imageCache.count }

    private var renderer: OpaquePointer?
    private var frame: UInt64 = 0
    private var maxTextureSide = Int.max

    private struct TextKey: Hashable {
        let text: String
        let role: FontRole
        let r: UInt8, g: UInt8, b: UInt8
    }
    private struct TextEntry {
        let texture: OpaquePointer
        let w: Int32, h: Int32
        var lastUsed: UInt64
    }
    private var textCache: [TextKey: TextEntry] = [:]
    private var fontGeneration: Int

    private struct ImageEntry {
        let texture: OpaquePointer
        var version: Int
        let w: Int, h: Int
        var nearest: Bool
        var lastUsed: UInt64
    }
    private var imageCache: [UInt64: ImageEntry] = [:]
    private var imageBytes = 0

    /// Clipping: the clip is in force, and whether it is empty (SDL treats an empty clip rect as "no clip").
    private var clippedAway = false

    public init(renderer: OpaquePointer, fonts: FontSet, scale: Float) {
        self.renderer = renderer
        self.fonts = fonts
        self.scale = scale.isFinite && scale > 0 ? scale : 1
        fontGeneration = fonts.generation
        SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "1")
        var info = SDL_RendererInfo()
        if SDL_GetRendererInfo(renderer, &info) == 0 {
            let side = Int(min(info.max_texture_width, info.max_texture_height))
            if side > 0 { maxTextureSide = side }
        }
    }

    deinit { releaseTextures() }

    /// Clears to `clear`, then executes `commands` in order. Leaves no clip in force.
    public func draw(_ commands: [DrawCommand], clear: Color) {
        guard let r = renderer else { return }
        frame &+= 1
        if fontGeneration != fonts.generation {
            dropText()
            fontGeneration = fonts.generation
        }
        SDL_RenderSetClipRect(r, nil)
        clippedAway = false
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE)
        SDL_SetRenderDrawColor(r, clear.r, clear.g, clear.b, clear.a)
        SDL_RenderClear(r)
        for command in commands {
            switch command {
            case .clip(let rect): setClip(r, rect)
            case _ where clippedAway: continue
            case .rect(let rect, let color): fill(r, pixelRect(rect), color)
            case .rectOutline(let rect, let color, let thickness): outline(r, rect, color, thickness)
            case .text(let s, let origin, let color, let role): text(r, s, origin, color, role)
            case .image(let key, let dest, let tint): image(r, key, dest, tint)
            }
        }
        SDL_RenderSetClipRect(r, nil)
        clippedAway = false
        trimText()
        trimImages()
    }

    /// Forgets the texture cached for image `id` (e.g. when the app drops that image).
    public func forgetImage(id: UInt64) {
        if let e = imageCache.removeValue(forKey: id) {
            imageBytes -= e.w * e.h * 4
            SDL_DestroyTexture(e.texture)
        }
    }

    /// Destroys every cached texture; they are recreated on demand (e.g. after SDL_RENDER_DEVICE_RESET).
    public func releaseTextures() {
        dropText()
        for e in imageCache.values { SDL_DestroyTexture(e.texture) }
        imageCache.removeAll()
        imageBytes = 0
    }

    /// Releases all textures and stops drawing; called before the renderer is destroyed.
    func detach() {
        releaseTextures()
        renderer = nil
    }

    // MARK: Geometry

    /// `rect` in pixels, each edge snapped to the nearest whole pixel.
    func pixelRect(_ rect: Rect) -> SDL_Rect {
        let x0 = (rect.x * scale).rounded()
        let y0 = (rect.y * scale).rounded()
        let x1 = ((rect.x + max(0, rect.w)) * scale).rounded()
        let y1 = ((rect.y + max(0, rect.h)) * scale).rounded()
        return SDL_Rect(
            x: Int32(clamping: Int(x0)), y: Int32(clamping: Int(y0)),
            w: Int32(clamping: Int(x1 - x0)), h: Int32(clamping: Int(y1 - y0)))
    }

    private func setClip(_ r: OpaquePointer, _ rect: Rect?) {
        guard let rect = rect else {
            SDL_RenderSetClipRect(r, nil)
            clippedAway = false
            return
        }
        var p = pixelRect(rect)
        if p.w <= 0 || p.h <= 0 {
            clippedAway = true
            return
        }
        clippedAway = false
        SDL_RenderSetClipRect(r, &p)
    }

    // MARK: Primitives

    private func fill(_ r: OpaquePointer, _ p: SDL_Rect, _ c: Color) {
        guard p.w > 0, p.h > 0, c.a > 0 else { return }
        SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND)
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a)
        var f = SDL_FRect(x: Float(p.x), y: Float(p.y), w: Float(p.w), h: Float(p.h))
        SDL_RenderFillRectF(r, &f)
    }

    private func outline(_ r: OpaquePointer, _ rect: Rect, _ c: Color, _ thickness: Float) {
        let p = pixelRect(rect)
        guard p.w > 0, p.h > 0 else { return }
        let t = Int32(max(1, (thickness * scale).rounded()))
        if 2 * t >= p.w || 2 * t >= p.h {
            fill(r, p, c)
            return
        }
        // Four non-overlapping bands, so translucent borders blend evenly.
        fill(r, SDL_Rect(x: p.x, y: p.y, w: p.w, h: t), c)
        fill(r, SDL_Rect(x: p.x, y: p.y + p.h - t, w: p.w, h: t), c)
        fill(r, SDL_Rect(x: p.x, y: p.y + t, w: t, h: p.h - 2 * t), c)
        fill(r, SDL_Rect(x: p.x + p.w - t, y: p.y + t, w: t, h: p.h - 2 * t), c)
    }

    // MARK: Text

    private func text(_ r: OpaquePointer, _ s: String, _ origin: Vec2, _ c: Color, _ role: FontRole) {
        guard !s.isEmpty, c.a > 0 else { return }
        let key = TextKey(text: s, role: role, r: c.r, g: c.g, b: c.b)
        let entry: TextEntry
        if var e = textCache[key] {
            e.lastUsed = frame
            textCache[key] = e
            entry = e
        } else {
            guard let e = renderText(r, key) else { return }
            textCache[key] = e
            entry = e
        }
        SDL_SetTextureAlphaMod(entry.texture, c.a)
        var src = SDL_Rect(x: 0, y: 0, w: entry.w, h: entry.h)
        var dst = SDL_Rect(
            x: Int32(clamping: Int((origin.x * scale).rounded())),
            y: Int32(clamping: Int((origin.y * scale).rounded())),
            w: entry.w, h: entry.h)
        SDL_RenderCopy(r, entry.texture, &src, &dst)
    }

    private func renderText(_ r: OpaquePointer, _ key: TextKey) -> TextEntry? {
        let fg = SDL_Color(r: key.r, g: key.g, b: key.b, a: 255)
        guard let surface = TTF_RenderUTF8_Blended(fonts.font(key.role), key.text, fg) else { return nil }
        defer { SDL_FreeSurface(surface) }
        guard let tex = SDL_CreateTextureFromSurface(r, surface) else { return nil }
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND)
        textTexturesCreated += 1
        return TextEntry(texture: tex, w: surface.pointee.w, h: surface.pointee.h, lastUsed: frame)
    }

    private func dropText() {
        for e in textCache.values { SDL_DestroyTexture(e.texture) }
        textCache.removeAll()
    }

    private func trimText() {
        guard textCache.count > textCacheLimit else { return }
        // Evict down to 3/4 of the limit in one go, oldest first, sparing this frame's entries.
        let target = max(0, textCacheLimit * 3 / 4)
        let old = textCache.filter { $0.value.lastUsed < frame }.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (k, e) in old.prefix(max(0, textCache.count - target)) {
            SDL_DestroyTexture(e.texture)
            textCache.removeValue(forKey: k)
        }
    }

    // MARK: Images

    private func image(_ r: OpaquePointer, _ key: ImageKey, _ dest: Rect, _ tint: Color) {
        guard tint.a > 0 else { return }
        let p = pixelRect(dest)
        guard p.w > 0, p.h > 0 else { return }
        let nearest = nearestNeighbour(key)
        guard var entry = texture(r, key, nearest: nearest) else { return }
        if entry.nearest != nearest {
            SDL_SetTextureScaleMode(entry.texture, nearest ? SDL_ScaleModeNearest : SDL_ScaleModeLinear)
            entry.nearest = nearest
        }
        entry.lastUsed = frame
        imageCache[key.id] = entry
        SDL_SetTextureColorMod(entry.texture, tint.r, tint.g, tint.b)
        SDL_SetTextureAlphaMod(entry.texture, tint.a)
        var dst = p
        SDL_RenderCopy(r, entry.texture, nil, &dst)
    }

    /// The cached texture for `key`, uploading the provider's pixels when the version differs.
    private func texture(_ r: OpaquePointer, _ key: ImageKey, nearest: Bool) -> ImageEntry? {
        if let e = imageCache[key.id], e.version == key.version { return e }
        guard var img = images?.image(for: key), img.width > 0, img.height > 0 else { return nil }
        if img.width > maxTextureSide || img.height > maxTextureSide {
            let k = Double(maxTextureSide) / Double(max(img.width, img.height))
            img = img.resized(width: max(1, Int(Double(img.width) * k)), height: max(1, Int(Double(img.height) * k)))
        }
        // Reuse the old texture when the size matches; otherwise replace it.
        if let old = imageCache[key.id] {
            if old.w == img.width && old.h == img.height, upload(old.texture, img) {
                var e = old
                e.version = key.version
                imageCache[key.id] = e
                return e
            }
            forgetImage(id: key.id)
        }
        guard
            let tex = SDL_CreateTexture(
                r, SDL_PIXELFORMAT_RGBA32.rawValue, Int32(SDL_TEXTUREACCESS_STATIC.rawValue),
                Int32(img.width), Int32(img.height))
        else { return nil }
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND)
        SDL_SetTextureScaleMode(tex, nearest ? SDL_ScaleModeNearest : SDL_ScaleModeLinear)
        guard upload(tex, img) else {
            SDL_DestroyTexture(tex)
            return nil
        }
        let e = ImageEntry(
            texture: tex, version: key.version, w: img.width, h: img.height, nearest: nearest, lastUsed: frame)
        imageCache[key.id] = e
        imageBytes += img.width * img.height * 4
        return e
    }

    private func upload(_ tex: OpaquePointer, _ img: RGBAImage) -> Bool {
        let ok = img.pixels.withUnsafeBytes { SDL_UpdateTexture(tex, nil, $0.baseAddress, Int32(img.width * 4)) == 0 }
        if ok { textureUploads += 1 }
        return ok
    }

    private func trimImages() {
        guard imageBytes > imageCacheBudget else { return }
        let old = imageCache.filter { $0.value.lastUsed < frame }.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (id, _) in old {
            guard imageBytes > imageCacheBudget else { break }
            forgetImage(id: id)
        }
    }
}
