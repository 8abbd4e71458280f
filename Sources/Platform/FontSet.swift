import CSDL2
import CSDL2TTF
import Dispatch
import ImmediateUI

/// SDL_ttf fonts found through fontconfig ('DejaVu Sans', and 'DejaVu Sans Mono' for `.mono`), falling back to
/// /usr/share/fonts/truetype/dejavu. Point sizes per role (body 15, small 12, heading 19, mono 13) are multiplied
/// by the display scale, so glyphs are rasterised at the physical pixel size; measurements come back in logical
/// points (pixels / scale). Measurements are cached per (string, role). Main thread only.
public final class FontSet: TextMeasurer {
    /// Point sizes per role at scale 1.
    public static func pointSize(_ role: FontRole) -> Float {
        switch role {
        case .body: return 15
        case .small: return 12
        case .heading: return 19
        case .mono: return 13
        }
    }

    static let sansFallbacks = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]
    static let monoFallbacks = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ]

    /// Pixels per logical point the fonts are rasterised for.
    public private(set) var scale: Float
    /// The font files in use (sans, mono).
    public let sansPath: String
    public let monoPath: String

    private var fonts: [OpaquePointer] = []  // indexed by FontRole.rawValue
    private var lineHeights: [Int32] = []
    private struct MeasureKey: Hashable {
        let text: String
        let role: FontRole
    }
    private var measured: [MeasureKey: Vec2] = [:]
    private static let maxMeasured = 8192
    /// Bumped whenever the fonts are reopened (scale change), so caches of rendered text can drop stale entries.
    private(set) var generation = 0

    /// Looks the font files up (`fc-match`, a process each) on a background thread, so a window opening meanwhile
    /// finds them ready instead of waiting about 0.1 s for them after its renderer is made.
    public static func locateInBackground() {
        DispatchQueue.global(qos: .userInitiated).async {
            _ = FontLocator.candidates(family: "DejaVu Sans", fallbacks: sansFallbacks)
            _ = FontLocator.candidates(family: "DejaVu Sans Mono", fallbacks: monoFallbacks)
        }
    }

    public init(scale: Float) throws {
        try FontSet.startEngine()
        self.scale = FontSet.sane(scale)
        sansPath = try FontSet.pick(family: "DejaVu Sans", fallbacks: FontSet.sansFallbacks)
        monoPath = try FontSet.pick(family: "DejaVu Sans Mono", fallbacks: FontSet.monoFallbacks)
        try open()
    }

    deinit { close() }

    /// Reopens the fonts for a new display scale (e.g. the window moved to a HiDPI screen).
    public func setScale(_ s: Float) throws {
        let s = FontSet.sane(s)
        guard s != scale else { return }
        scale = s
        close()
        try open()
    }

    /// Size of `text` on one line in the font for `role`, in logical points.
    public func size(of text: String, role: FontRole) -> Vec2 {
        let key = MeasureKey(text: text, role: role)
        if let v = measured[key] { return v }
        let px = pixelSize(of: text, role: role)
        let v = Vec2(Float(px.w) / scale, Float(px.h) / scale)
        if measured.count >= FontSet.maxMeasured { measured.removeAll(keepingCapacity: true) }
        measured[key] = v
        return v
    }

    /// Height of a line in `role`'s font, in logical points.
    public func lineHeight(_ role: FontRole) -> Float { Float(lineHeights[Int(role.rawValue)]) / scale }

    // MARK: Internal

    func font(_ role: FontRole) -> OpaquePointer { fonts[Int(role.rawValue)] }

    /// Size in physical pixels, as TTF_SizeUTF8 reports it (and as TTF_RenderUTF8_Blended draws it).
    func pixelSize(of text: String, role: FontRole) -> (w: Int, h: Int) {
        let lh = Int(lineHeights[Int(role.rawValue)])
        guard !text.isEmpty else { return (0, lh) }
        var w: Int32 = 0
        var h: Int32 = 0
        guard TTF_SizeUTF8(font(role), text, &w, &h) == 0 else { return (0, lh) }
        return (Int(w), max(Int(h), lh))
    }

    private func open() throws {
        var opened: [OpaquePointer] = []
        for role in FontRole.allCases {
            let path = role == .mono ? monoPath : sansPath
            let pt = Int32(max(1, (FontSet.pointSize(role) * scale).rounded()))
            guard let f = TTF_OpenFont(path, pt) else {
                let e = String(cString: SDL_GetError())
                opened.forEach { TTF_CloseFont($0) }
                throw PlatformError.noFont(
                    family: role == .mono ? "DejaVu Sans Mono" : "DejaVu Sans", tried: ["\(path) (\(e))"])
            }
            opened.append(f)
        }
        fonts = opened
        // Some glyphs (the underscore at some sizes) reach a pixel below TTF_FontHeight; one height for every string
        // keeps labels aligned, so the line height covers the deepest and tallest common glyphs.
        lineHeights = opened.map { f in
            var w: Int32 = 0
            var h: Int32 = 0
            let probe = TTF_SizeUTF8(f, FontSet.heightProbe, &w, &h) == 0 ? h : 0
            return max(TTF_FontHeight(f), probe)
        }
        measured.removeAll()
        generation += 1
    }

    private func close() {
        fonts.forEach { TTF_CloseFont($0) }
        fonts = []
    }

    static let heightProbe = "ÅÉÖ_gjpqy|()[]{}"

    private static func sane(_ s: Float) -> Float { s.isFinite && s > 0 ? s : 1 }

    private static func startEngine() throws {
        if TTF_WasInit() == 0, TTF_Init() != 0 {
            throw PlatformError.fontEngine(String(cString: SDL_GetError()))
        }
    }

    /// The first candidate file SDL_ttf can open.
    private static func pick(family: String, fallbacks: [String]) throws -> String {
        let candidates = FontLocator.candidates(family: family, fallbacks: fallbacks)
        var tried: [String] = []
        for path in candidates {
            if let f = TTF_OpenFont(path, 12) {
                TTF_CloseFont(f)
                return path
            }
            tried.append("\(path) (\(String(cString: SDL_GetError())))")
        }
        throw PlatformError.noFont(family: family, tried: tried)
    }
}
