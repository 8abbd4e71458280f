import CSDL2
import ImmediateUI

/// Turns SDL events into one frame's `InputSnapshot` plus the other `PlatformEvent`s.
///
/// Call `beginFrame()`, feed every event with `handle(_:)`, then read `snapshot(...)`. Held state (buttons, mouse
/// position, modifiers, drop hover) persists across frames; edges, wheel, keys and text are per frame. A press and a
/// release inside one frame both show up as edges, so a quick click is never lost.
struct EventTranslator {
    var mouse = Vec2(-10_000, -10_000)
    var mouseDown: MouseButtons = []
    var mousePressed: MouseButtons = []
    var mouseReleased: MouseButtons = []
    var wheel: Float = 0
    var keysPressed = KeySet()
    var modifiers: Modifiers = []
    /// Modifiers held when this frame's keys went down: a quick Ctrl+Q whose Ctrl is already up again by the end of
    /// the frame still reports Ctrl with the Q.
    var pressModifiers: Modifiers = []
    var text = ""
    var dropHover = false
    var events: [PlatformEvent] = []

    mutating func beginFrame() {
        mousePressed = []
        mouseReleased = []
        wheel = 0
        keysPressed = KeySet()
        pressModifiers = []
        text.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
    }

    func snapshot(windowSize: Vec2, scale: Float) -> InputSnapshot {
        InputSnapshot(
            mouse: mouse, mouseDown: mouseDown, mousePressed: mousePressed, mouseReleased: mouseReleased,
            wheel: wheel, keysPressed: keysPressed, modifiers: modifiers.union(pressModifiers), text: text,
            dropHover: dropHover,
            windowSize: windowSize, scale: scale)
    }

    /// Mouse coordinates from SDL are window coordinates, i.e. logical points (also with SDL_WINDOW_ALLOW_HIGHDPI).
    mutating func handle(_ e: inout SDL_Event) {
        switch SDL_EventType(e.type) {
        case SDL_QUIT:
            events.append(.quit)
        case SDL_WINDOWEVENT:
            switch SDL_WindowEventID(UInt32(e.window.event)) {
            case SDL_WINDOWEVENT_SIZE_CHANGED, SDL_WINDOWEVENT_RESIZED:
                if !events.contains(.windowResized) { events.append(.windowResized) }
            case SDL_WINDOWEVENT_LEAVE:
                // Nothing is hovered once the pointer has left (unless a drag keeps it captured).
                if mouseDown.isEmpty { mouse = Vec2(-10_000, -10_000) }
            case SDL_WINDOWEVENT_FOCUS_LOST:
                // A button released in another window never reaches us: drop held state without a release edge.
                mouseDown = []
                modifiers = []
            default:
                break
            }
        case SDL_MOUSEMOTION:
            mouse = Vec2(Float(e.motion.x), Float(e.motion.y))
        case SDL_MOUSEBUTTONDOWN, SDL_MOUSEBUTTONUP:
            mouse = Vec2(Float(e.button.x), Float(e.button.y))
            guard let b = EventTranslator.button(e.button.button) else { break }
            if e.type == SDL_MOUSEBUTTONDOWN.rawValue {
                mousePressed.insert(b)
                mouseDown.insert(b)
            } else {
                mouseReleased.insert(b)
                mouseDown.remove(b)
            }
        case SDL_MOUSEWHEEL:
            var y = e.wheel.preciseY != 0 ? e.wheel.preciseY : Float(e.wheel.y)
            if e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED.rawValue { y = -y }
            wheel += y
        case SDL_KEYDOWN, SDL_KEYUP:
            modifiers = EventTranslator.modifiers(UInt32(e.key.keysym.mod))
            guard e.type == SDL_KEYDOWN.rawValue, let k = EventTranslator.key(e.key.keysym.sym) else { break }
            // Key repeat moves through lists (arrows, pages); other keys act once per physical press.
            if e.key.repeat != 0, !EventTranslator.repeats(k) { break }
            keysPressed.insert(k)
            pressModifiers.formUnion(modifiers)
        case SDL_TEXTINPUT:
            text += withUnsafeBytes(of: &e.text.text) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                let n = bytes.firstIndex(of: 0) ?? bytes.count
                return String(decoding: bytes.prefix(n), as: UTF8.self)
            }
        case SDL_DROPBEGIN:
            dropHover = true
            events.append(.dropBegin)
        case SDL_DROPFILE:
            if let p = e.drop.file {
                events.append(.dropFile(String(cString: p)))
                SDL_free(p)
            }
        case SDL_DROPTEXT:
            if let p = e.drop.file { SDL_free(p) }
        case SDL_DROPCOMPLETE:
            dropHover = false
            events.append(.dropComplete)
        case SDL_SYSWMEVENT:
            // X11 drag-and-drop as it happens: a file dragged over the window (XdndEnter/XdndPosition) shows the drop
            // hint until it leaves (XdndLeave) or lands (XdndDrop, then SDL's own drop events).
            switch convscope_xdnd_kind(&e) {
            case 1, 2: dropHover = true
            case 3: dropHover = false
            default: break
            }
        default:
            break
        }
    }

    static func button(_ b: UInt8) -> MouseButtons? {
        switch Int32(b) {
        case SDL_BUTTON_LEFT: return .left
        case SDL_BUTTON_RIGHT: return .right
        default: return nil
        }
    }

    static func modifiers(_ mod: UInt32) -> Modifiers {
        var m: Modifiers = []
        if mod & KMOD_CTRL.rawValue != 0 { m.insert(.ctrl) }
        if mod & KMOD_SHIFT.rawValue != 0 { m.insert(.shift) }
        return m
    }

    static func repeats(_ k: Key) -> Bool {
        switch k {
        case .left, .right, .up, .down, .pageUp, .pageDown: return true
        default: return false
        }
    }

    static func key(_ sym: SDL_Keycode) -> Key? {
        switch sym {
        case code(SDLK_LEFT): return .left
        case code(SDLK_RIGHT): return .right
        case code(SDLK_UP): return .up
        case code(SDLK_DOWN): return .down
        case code(SDLK_ESCAPE): return .escape
        case code(SDLK_RETURN), code(SDLK_KP_ENTER), code(SDLK_RETURN2): return .enter
        case code(SDLK_TAB): return .tab
        case code(SDLK_PAGEUP): return .pageUp
        case code(SDLK_PAGEDOWN): return .pageDown
        case code(SDLK_e): return .e
        case code(SDLK_f): return .f
        case code(SDLK_q): return .q
        case code(SDLK_o): return .o
        case code(SDLK_F1): return .f1
        default: return nil
        }
    }

    static func code(_ k: SDL_KeyCode) -> SDL_Keycode { SDL_Keycode(truncatingIfNeeded: k.rawValue) }
}
