import ImmediateUI
import Platform
import Raster
import XCTest

/// Panels drawn the way the window draws them (SDL's software renderer, offscreen), checked pixel by pixel against
/// the data and against the exported PNGs.
final class PanelRenderTests: XCTestCase {
    final class Images: ImageProvider {
        var byID: [UInt64: RGBAImage] = [:]
        func image(for key: ImageKey) -> RGBAImage? { byID[key.id] }
    }

    func render(_ commands: [DrawCommand], _ images: Images, nearest: Set<UInt64> = []) throws -> RGBAImage {
        let canvas = try OffscreenCanvas(width: 240, height: 240)
        canvas.canvas.images = images
        canvas.canvas.nearestNeighbour = { nearest.contains($0.id) }
        return canvas.render(commands, clear: Color(0, 0, 0))
    }

    func testJetHeatmap_EndsAreDarkBlueAndDarkRed() throws {
        // A map that is 0 on the left half and 1 on the right half, painted with jet as the CAM pane does.
        let map = FloatMap(width: 2, height: 1, values: [0, 1])
        let images = Images()
        images.byID[1] = Overlay.heatmapImage(map)
        let out = try render([.image(ImageKey(id: 1), dest: Rect(0, 0, 200, 100), tint: .white)], images, nearest: [1])
        let left = out[20, 50]
        let right = out[180, 50]
        XCTAssertTrue(left.r == 0 && left.g == 0 && (120...135).contains(Int(left.b)), "zero is dark blue: \(left)")
        XCTAssertTrue((120...135).contains(Int(right.r)) && right.g == 0 && right.b == 0, "one is dark red: \(right)")
    }

    func testChannelTile_SpansTheFullGrayscaleRange() throws {
        // A 4×4 channel with values 3…18: its tile runs from black to white; a dead channel is black.
        let live = ChannelRender.grayscale(FloatMap(width: 4, height: 4, values: (0..<16).map { Float($0) + 3 }))
        let dead = ChannelRender.grayscale(FloatMap(width: 4, height: 4, values: [Float](repeating: 0, count: 16)))
        let images = Images()
        images.byID[2] = live
        images.byID[3] = dead
        let out = try render(
            [
                .image(ImageKey(id: 2), dest: Rect(0, 0, 80, 80), tint: .white),
                .image(ImageKey(id: 3), dest: Rect(100, 0, 80, 80), tint: .white),
            ], images, nearest: [2, 3])
        XCTAssertTrue(out[5, 5] == (0, 0, 0, 255), "minimum is black: \(out[5, 5])")
        XCTAssertTrue(out[75, 75] == (255, 255, 255, 255), "maximum is white: \(out[75, 75])")
        let mid = out[45, 25]  // value 3 + 6 = 9 of 3…18 → 6/15
        XCTAssertEqual(Int(mid.r), Int((6.0 / 15.0 * 255).rounded()), accuracy: 1)
        for x in stride(from: 100, to: 180, by: 7) {
            XCTAssertTrue(out[x, 40] == (0, 0, 0, 255), "dead channel drawn black")
        }
    }

    func testCAMOverlay_WindowBlendMatchesTheExportedPNG() throws {
        // The window draws the grayscale photo, then the jet heatmap with the opacity as alpha; the export blends in
        // Raster. Both must give the same picture.
        var photo = RGBAImage(width: 200, height: 200, fill: (r: 200, g: 120, b: 40, a: 255))
        for y in 0..<200 { for x in 0..<100 { photo[x, y] = (r: 30, g: 60, b: 90, a: 255) } }
        let map = FloatMap(width: 4, height: 4, values: (0..<16).map { Float($0) / 15 })
        let opacity: Float = 0.6
        let images = Images()
        images.byID[4] = photo.grayscale()
        images.byID[5] = Overlay.heatmapImage(map.resizedBilinear(width: 200, height: 200))
        let window = try render(
            [
                .image(ImageKey(id: 4), dest: Rect(0, 0, 200, 200), tint: .white),
                .image(ImageKey(id: 5), dest: Rect(0, 0, 200, 200), tint: Color(255, 255, 255, UInt8(opacity * 255))),
            ], images)
        let export = Overlay.heatmap(map, over: photo, opacity: opacity)
        var worst = 0
        for y in stride(from: 5, to: 195, by: 10) {
            for x in stride(from: 5, to: 195, by: 10) {
                let a = window[x, y]
                let b = export[x, y]
                worst = max(worst, abs(Int(a.r) - Int(b.r)), abs(Int(a.g) - Int(b.g)), abs(Int(a.b) - Int(b.b)))
            }
        }
        print("window vs export max channel difference \(worst)")
        XCTAssertLessThanOrEqual(worst, 4)
        // And the blend really is a blend: neither the plain photo nor the plain heatmap.
        let p = window[150, 150]
        let gray = photo.grayscale()[150, 150]
        let jet = images.byID[5]![150, 150]
        XCTAssertNotEqual(Int(p.r), Int(gray.r))
        XCTAssertNotEqual(Int(p.r), Int(jet.r))
        XCTAssertEqual(Float(p.r), Float(gray.r) * (1 - opacity) + Float(jet.r) * opacity, accuracy: 3)
    }
}
