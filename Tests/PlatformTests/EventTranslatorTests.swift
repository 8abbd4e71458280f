import CSDL2
import ImmediateUI
import XCTest

@testable import Platform

final class EventTranslatorTests: XCTestCase {
    var input = EventTranslator()

    func feed(_ events: [SDL_Event]) -> InputSnapshot {
        input.beginFrame()
        for var e in events { input.handle(&e) }
        return input.snapshot(windowSize: Vec2(1024, 700), scale: 1)
    }

    func button(_ type: SDL_EventType, _ b: Int32, x: Int32 = 0, y: Int32 = 0) -> SDL_Event {
        var e = SDL_Event()
        e.type = type.rawValue
        e.button.button = UInt8(b)
        e.button.x = x
        e.button.y = y
        return e
    }

    func key(_ sym: SDL_KeyCode, repeat rep: Bool = false, mod: SDL_Keymod = KMOD_NONE, up: Bool = false) -> SDL_Event {
        var e = SDL_Event()
        e.type = (up ? SDL_KEYUP : SDL_KEYDOWN).rawValue
        e.key.keysym.sym = EventTranslator.code(sym)
        e.key.keysym.mod = UInt16(mod.rawValue)
        e.key.repeat = rep ? 1 : 0
        return e
    }

    func event(_ type: SDL_EventType) -> SDL_Event {
        var e = SDL_Event()
        e.type = type.rawValue
        return e
    }

    func testClick_PressAndReleaseInOneFrameGivesBothEdges() {
        let s = feed([
            button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, x: 30, y: 40),
            button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, x: 31, y: 40),
        ])
        XCTAssertEqual(s.mousePressed, .left)
        XCTAssertEqual(s.mouseReleased, .left)
        XCTAssertEqual(s.mouseDown, [])
        XCTAssertEqual(s.mouse, Vec2(31, 40))
    }

    func testMouseDown_PersistsAcrossFramesWhileEdgesDoNot() {
        var motion = event(SDL_MOUSEMOTION)
        motion.motion.x = 100
        motion.motion.y = 5
        let first = feed([button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_RIGHT, x: 9, y: 9)])
        XCTAssertEqual(first.mousePressed, .right)
        let second = feed([motion])
        XCTAssertEqual(second.mouseDown, .right)
        XCTAssertEqual(second.mousePressed, [])
        XCTAssertEqual(second.mouse, Vec2(100, 5))
        let third = feed([button(SDL_MOUSEBUTTONUP, SDL_BUTTON_RIGHT, x: 100, y: 5)])
        XCTAssertEqual(third.mouseReleased, .right)
        XCTAssertEqual(third.mouseDown, [])
        XCTAssertEqual(feed([]).mouseReleased, [])
    }

    func testMiddleButton_IsIgnored() {
        let s = feed([button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_MIDDLE)])
        XCTAssertEqual(s.mousePressed, [])
    }

    func testWheel_UsesPreciseYAndSumsWithinAFrame() {
        var a = event(SDL_MOUSEWHEEL)
        a.wheel.y = 1
        a.wheel.preciseY = 0.5
        var b = event(SDL_MOUSEWHEEL)
        b.wheel.y = -2
        var flipped = event(SDL_MOUSEWHEEL)
        flipped.wheel.y = 1
        flipped.wheel.direction = SDL_MOUSEWHEEL_FLIPPED.rawValue
        XCTAssertEqual(feed([a, b]).wheel, -1.5)
        XCTAssertEqual(feed([flipped]).wheel, -1)
        XCTAssertEqual(feed([]).wheel, 0)
    }

    func testKeys_MapToKeyAndRepeatOnlyForNavigation() {
        let s = feed([key(SDLK_LEFT), key(SDLK_KP_ENTER), key(SDLK_F1), key(SDLK_e), key(SDLK_PAGEDOWN), key(SDLK_a)])
        XCTAssertEqual(s.keysPressed, [.left, .enter, .f1, .e, .pageDown])
        let repeated = feed([key(SDLK_DOWN, repeat: true), key(SDLK_q, repeat: true), key(SDLK_ESCAPE, repeat: true)])
        XCTAssertEqual(repeated.keysPressed, [.down])
        let all = feed([SDLK_RIGHT, SDLK_UP, SDLK_ESCAPE, SDLK_RETURN, SDLK_TAB, SDLK_PAGEUP, SDLK_q].map { key($0) })
        XCTAssertEqual(all.keysPressed, [.right, .up, .escape, .enter, .tab, .pageUp, .q])
        XCTAssertEqual(feed([key(SDLK_LEFT, up: true)]).keysPressed, [])
    }

    func testModifiers_FollowKeyEvents() {
        XCTAssertEqual(feed([key(SDLK_LCTRL, mod: KMOD_LCTRL)]).modifiers, .ctrl)
        XCTAssertEqual(
            feed([key(SDLK_RSHIFT, mod: SDL_Keymod(KMOD_LCTRL.rawValue | KMOD_RSHIFT.rawValue))]).modifiers,
            [.ctrl, .shift])
        XCTAssertEqual(feed([]).modifiers, [.ctrl, .shift], "held modifiers persist")
        XCTAssertEqual(feed([key(SDLK_LCTRL, up: true)]).modifiers, [])
    }

    func testModifiers_QuickChordWithinOneFrameKeepsCtrl() {
        // Ctrl down, Q down, Q up, Ctrl up all in one frame (as xdotool sends Ctrl+Q): Q still comes with Ctrl.
        let chord = feed([
            key(SDLK_LCTRL, mod: KMOD_LCTRL), key(SDLK_q, mod: KMOD_LCTRL), key(SDLK_q, mod: KMOD_LCTRL, up: true),
            key(SDLK_LCTRL, up: true),
        ])
        XCTAssertEqual(chord.keysPressed, [.q])
        XCTAssertEqual(chord.modifiers, .ctrl)
        XCTAssertEqual(feed([]).modifiers, [], "released by the next frame")
    }

    func testTextInput_IsConcatenatedPerFrame() {
        func typed(_ s: String) -> SDL_Event {
            var e = event(SDL_TEXTINPUT)
            withUnsafeMutableBytes(of: &e.text.text) { raw in
                for (i, b) in s.utf8.enumerated() { raw[i] = b }
            }
            return e
        }
        XCTAssertEqual(feed([typed("a"), typed("ü"), typed("7")]).text, "aü7")
        XCTAssertEqual(feed([]).text, "")
    }

    func testDrop_HoverBetweenBeginAndCompleteAndFilesInOrder() {
        var file = event(SDL_DROPFILE)
        file.drop.file = SDL_strdup("/tmp/cat photo.jpg")
        input.beginFrame()
        var begin = event(SDL_DROPBEGIN)
        input.handle(&begin)
        XCTAssertTrue(input.snapshot(windowSize: .zero, scale: 1).dropHover)
        input.handle(&file)
        var done = event(SDL_DROPCOMPLETE)
        input.handle(&done)
        XCTAssertEqual(input.events, [.dropBegin, .dropFile("/tmp/cat photo.jpg"), .dropComplete])
        XCTAssertFalse(input.snapshot(windowSize: .zero, scale: 1).dropHover)
        input.beginFrame()
        XCTAssertEqual(input.events, [])
    }

    func testQuitAndResize_AreReportedOnceEach() {
        var resized = event(SDL_WINDOWEVENT)
        resized.window.event = UInt8(SDL_WINDOWEVENT_RESIZED.rawValue)
        var sizeChanged = event(SDL_WINDOWEVENT)
        sizeChanged.window.event = UInt8(SDL_WINDOWEVENT_SIZE_CHANGED.rawValue)
        _ = feed([resized, sizeChanged, event(SDL_QUIT)])
        XCTAssertEqual(input.events, [.windowResized, .quit])
    }

    func testFocusLost_ReleasesHeldButtonsWithoutAClick() {
        _ = feed([button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT)])
        var lost = event(SDL_WINDOWEVENT)
        lost.window.event = UInt8(SDL_WINDOWEVENT_FOCUS_LOST.rawValue)
        let s = feed([lost])
        XCTAssertEqual(s.mouseDown, [])
        XCTAssertEqual(s.mouseReleased, [])
    }
}
