import ImmediateUI
import Platform
import Raster
import XCTest

final class TextRenderingTests: XCTestCase {
    func testText_DrawsInsideTheMeasuredBoxAndNothingOutside() throws {
        let off = try OffscreenCanvas(width: 260, height: 60)
        let origin = Vec2(20, 15)
        for s in ["Hello, VGG16 — ÄÖ", "block5_conv3 (gjpq)"] {
            for role in FontRole.allCases {
                let size = off.fonts.size(of: s, role: role)
                XCTAssertGreaterThan(size.x, 50)
                XCTAssertGreaterThan(size.y, 10)
                let image = off.render([.text(s, origin: origin, .white, role)], clear: .black)
                let x0 = Int(origin.x)
                let y0 = Int(origin.y)
                let x1 = Int((origin.x + size.x).rounded(.up))
                let y1 = Int((origin.y + size.y).rounded(.up))
                let inside = image.countDifferent(from: .black, x0: x0, y0: y0, x1: x1, y1: y1)
                XCTAssertGreaterThan(inside, 100, "glyphs are drawn: \(s) \(role)")
                XCTAssertEqual(
                    image.countDifferent(from: .black), inside,
                    "nothing is drawn outside the measured box: \(s) \(role)")
            }
        }
    }

    func testTextAtScaleTwo_StaysInsideTheScaledMeasuredBox() throws {
        let off = try OffscreenCanvas(width: 150, height: 40, scale: 2)
        let origin = Vec2(10, 8)
        let size = off.fonts.size(of: "Grad-CAM", role: .heading)
        let image = off.render([.text("Grad-CAM", origin: origin, .white, .heading)], clear: .black)
        let x0 = Int(origin.x * 2)
        let y0 = Int(origin.y * 2)
        let x1 = Int(((origin.x + size.x) * 2).rounded(.up))
        let y1 = Int(((origin.y + size.y) * 2).rounded(.up))
        let inside = image.countDifferent(from: .black, x0: x0, y0: y0, x1: x1, y1: y1)
        XCTAssertGreaterThan(inside, 200)
        XCTAssertEqual(image.countDifferent(from: .black), inside)
    }

    func testRepeatedFrames_CreateNoNewTextTextures() throws {
        let off = try OffscreenCanvas(width: 200, height: 80)
        let frame: [DrawCommand] = [
            .text("conv1_1", origin: Vec2(4, 4), .white, .body),
            .text("64 channels", origin: Vec2(4, 30), Color(150, 150, 150), .small),
            .text("conv1_1", origin: Vec2(100, 4), .white, .body),
        ]
        _ = off.render(frame, clear: .black)
        XCTAssertEqual(off.canvas.textTexturesCreated, 2)
        for _ in 0..<5 { _ = off.render(frame, clear: .black) }
        XCTAssertEqual(off.canvas.textTexturesCreated, 2)
        _ = off.render([.text("conv1_1", origin: Vec2(4, 4), Color(255, 0, 0), .body)], clear: .black)
        XCTAssertEqual(off.canvas.textTexturesCreated, 3, "another colour is another texture")
    }

    func testTextCache_IsBoundedButKeepsThisFramesText() throws {
        let off = try OffscreenCanvas(width: 100, height: 30)
        off.canvas.textCacheLimit = 8
        for i in 0..<30 { _ = off.render([.text("label \(i)", origin: .zero, .white, .small)], clear: .black) }
        XCTAssertLessThanOrEqual(off.canvas.cachedTextCount, 8)
        let many = (0..<12).map { DrawCommand.text("row \($0)", origin: .zero, .white, .small) }
        _ = off.render(many, clear: .black)
        XCTAssertGreaterThanOrEqual(off.canvas.cachedTextCount, 12)
        let before = off.canvas.textTexturesCreated
        _ = off.render(many, clear: .black)
        XCTAssertEqual(off.canvas.textTexturesCreated, before)
    }

    func testTranslucentText_IsFainterThanOpaqueText() throws {
        let off = try OffscreenCanvas(width: 120, height: 30)
        let opaque = off.render([.text("MMMM", origin: Vec2(2, 2), .white, .heading)], clear: .black)
        let faint = off.render([.text("MMMM", origin: Vec2(2, 2), Color(255, 255, 255, 64), .heading)], clear: .black)
        let sum = { (img: RGBAImage) in
            img.pixels.enumerated().reduce(0) { $1.offset % 4 == 0 ? $0 + Int($1.element) : $0 }
        }
        XCTAssertLessThan(sum(faint) * 3, sum(opaque))
        XCTAssertGreaterThan(sum(faint), 0)
    }
}
