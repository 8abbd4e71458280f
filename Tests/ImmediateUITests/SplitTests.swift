import ImmediateUI
import XCTest

final class SplitTests: XCTestCase {
    /// Cells lie in order inside `bounds` along x, on whole units, with gaps of at most `spacing`.
    private func assertWellFormed(
        _ cells: [Rect], in bounds: Rect, spacing: Float, fills: Bool,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for c in cells {
            XCTAssertEqual(c.x, c.x.rounded(), "whole units", file: file, line: line)
            XCTAssertEqual(c.w, c.w.rounded(), "whole units", file: file, line: line)
            XCTAssertGreaterThanOrEqual(c.w, 0, file: file, line: line)
            XCTAssertGreaterThanOrEqual(c.x, bounds.x.rounded(), file: file, line: line)
            XCTAssertLessThanOrEqual(c.maxX, bounds.maxX.rounded(), file: file, line: line)
            XCTAssertEqual(c.y, bounds.y, file: file, line: line)
            XCTAssertEqual(c.h, bounds.h, file: file, line: line)
        }
        for (a, b) in zip(cells, cells.dropFirst()) {
            XCTAssertGreaterThanOrEqual(b.x, a.maxX, "no overlap", file: file, line: line)
            XCTAssertLessThanOrEqual(
                b.x - a.maxX, spacing.rounded(.up), "no gap beyond spacing", file: file, line: line)
        }
        if fills, let first = cells.first, let last = cells.last {
            XCTAssertEqual(first.x, bounds.x.rounded(), file: file, line: line)
            XCTAssertEqual(last.maxX, bounds.maxX.rounded(), "a fill takes up the rest", file: file, line: line)
        }
    }

    func testColumns_AppPanesAtEveryWidthFrom1024To3840_AddUpAndRespectMinMax() {
        let sizes: [Size] = [.fraction(0.24, min: 280, max: 440), .fill(min: 380), .fraction(0.27, min: 300, max: 480)]
        for width in 1024...3840 {
            let body = Rect(8, 54, Float(width) - 16, 700)
            let c = body.columns(sizes, spacing: 8)
            XCTAssertEqual(c.count, 3)
            assertWellFormed(c, in: body, spacing: 8, fills: true)
            XCTAssertEqual(c.reduce(0) { $0 + $1.w } + 16, body.w, "width \(width)")
            XCTAssertEqual(c[1].x - c[0].maxX, 8)
            XCTAssertEqual(c[2].x - c[1].maxX, 8)
            XCTAssertTrue((280...441).contains(c[0].w), "width \(width): \(c[0].w)")
            XCTAssertTrue((300...481).contains(c[2].w), "width \(width): \(c[2].w)")
            XCTAssertGreaterThanOrEqual(c[1].w, 380 - 1, "width \(width)")
        }
    }

    func testColumns_ButtonBarAndRowsAtManyWidths_AreWellFormed() {
        let bar: [Size] = [.fixed(84), .fixed(84), .fixed(28), .fill(min: 120), .fixed(28), .fixed(100)]
        let mixed: [Size] = [
            .fixed(44), .fraction(0.3, min: 62), .fill(min: 110), .fill(min: 150), .fraction(0.1, max: 40),
        ]
        for width in stride(from: Float(1024), through: 3840, by: 7) {
            for (sizes, w) in [(bar, width * 0.4), (mixed, width * 0.3), (bar, width / 7), (mixed, width / 9 + 0.5)] {
                let r = Rect(12.5, 3, w, 24)
                let c = r.columns(sizes, spacing: 6)
                XCTAssertEqual(c.count, sizes.count)
                assertWellFormed(c, in: r, spacing: 6, fills: true)
                let widths = Size.lengths(sizes, total: w, spacing: 6).lengths
                XCTAssertEqual(widths.reduce(0, +) + 6 * Float(sizes.count - 1), w, accuracy: w * 1e-5)
            }
        }
    }

    func testSize_FixedFirstThenFractionsOfTheRestThenFills() {
        let (l, gap) = Size.lengths([.fixed(100), .fraction(0.5), .fill(), .fill()], total: 520, spacing: 10)
        XCTAssertEqual(gap, 10)
        // 490 after the gaps; 390 after the fixed cell; half of that; the fills halve the rest.
        XCTAssertEqual(l, [100, 195, 97.5, 97.5])
        XCTAssertEqual(Size.lengths([.fraction(0.5, max: 50), .fill()], total: 300, spacing: 0).lengths, [50, 250])
        XCTAssertEqual(Size.lengths([.fraction(0.1, min: 80), .fill()], total: 300, spacing: 0).lengths, [80, 220])
        XCTAssertEqual(
            Size.lengths([.fixed(10), .fixed(20)], total: 300, spacing: 5).lengths, [10, 20],
            "no fill: the rest stays empty")
    }

    func testSize_FillWithLargeMinTakesItAndOthersShareTheRest() {
        XCTAssertEqual(
            Size.lengths([.fill(min: 300), .fill(), .fill()], total: 400, spacing: 0).lengths, [300, 50, 50])
        XCTAssertEqual(Size.lengths([.fill(min: 150), .fill(min: 10)], total: 400, spacing: 0).lengths, [200, 200])
    }

    func testSize_MinsDontFit_FlexibleShrinkFirstThenFixed_NeverNegative() {
        // 300 of fixed cells leave 100 for two fills that want 200 and 100 → scaled by 1/3.
        let a = Size.lengths([.fixed(200), .fill(min: 200), .fixed(100), .fill(min: 100)], total: 400, spacing: 0)
            .lengths
        XCTAssertEqual(a[0], 200)
        XCTAssertEqual(a[2], 100)
        XCTAssertEqual(a[1], 200 / 3, accuracy: 1e-3)
        XCTAssertEqual(a[3], 100 / 3, accuracy: 1e-3)
        // The fixed cells alone overflow: the flexible get nothing, the fixed shrink proportionally.
        let b = Size.lengths([.fixed(300), .fraction(0.5, min: 40), .fixed(100)], total: 200, spacing: 0).lengths
        XCTAssertEqual(b, [150, 0, 50])
        // Gaps wider than the line: cells are empty and the gaps shrink to fit.
        let c = Rect(0, 0, 10, 5).columns([.fill(), .fixed(4), .fill()], spacing: 8)
        XCTAssertEqual(c.map(\.w), [0, 0, 0])
        XCTAssertEqual(c.last!.maxX, 10)
        // Nonsense in, nothing negative out.
        let d = Size.lengths(
            [.fixed(-5), .fraction(-1, min: -3), .fill(min: .nan), .fixed(.infinity)], total: 100, spacing: -4
        ).lengths
        XCTAssertEqual(d, [0, 0, 100, 0])
        XCTAssertEqual(Rect(0, 0, 100, 10).columns([]), [])
    }

    func testSize_MinsDontFitAtNarrowWidths_NoOverlapAndWithinBounds() {
        let sizes: [Size] = [.fixed(84), .fixed(84), .fixed(28), .fill(min: 120), .fixed(28), .fixed(100)]
        for width in stride(from: Float(0), through: 500, by: 1) {
            let r = Rect(3, 0, width, 24)
            let c = r.columns(sizes, spacing: 6)
            assertWellFormed(c, in: r, spacing: 6, fills: false)
            if width >= 324 + 30 {
                XCTAssertEqual(c[0].w, 84, "fixed cells keep their width while they fit (\(width))")
            }
        }
    }

    func testRows_MirrorColumns() {
        let r = Rect(5, 10, 200, 800)
        let rows = r.rows([.fixed(46), .fill(min: 300), .fixed(30)], spacing: 0)
        XCTAssertEqual(rows, [Rect(5, 10, 200, 46), Rect(5, 56, 200, 724), Rect(5, 780, 200, 30)])
        let cols = Rect(10, 5, 800, 200).columns([.fixed(46), .fill(min: 300), .fixed(30)], spacing: 0)
        XCTAssertEqual(cols.map(\.x), rows.map(\.y))
        XCTAssertEqual(cols.map(\.w), rows.map(\.h))
    }

    func testColumns_FractionalEdges_RoundToWholeUnitsWithoutGapsOrOverlap() {
        let c = Rect(0, 0, 100, 10).columns([.fill(), .fill(), .fill()], spacing: 0)
        XCTAssertEqual(c.map(\.x), [0, 33, 67])
        XCTAssertEqual(c.map(\.w), [33, 34, 33])
    }

    func testRect_InsetAndSplitHelpers() {
        let r = Rect(10, 20, 100, 50)
        XCTAssertEqual(r.inset(by: 5), Rect(15, 25, 90, 40))
        XCTAssertEqual(r.inset(by: 60), Rect(70, 80, 0, 0))
        XCTAssertEqual(r.inset(top: 4, left: 3), Rect(13, 24, 97, 46))
        XCTAssertEqual(r.inset(bottom: 10, right: 20), Rect(10, 20, 80, 40))
        let t = r.split(top: 12, spacing: 2)
        XCTAssertEqual(t.top, Rect(10, 20, 100, 12))
        XCTAssertEqual(t.rest, Rect(10, 34, 100, 36))
        let b = r.split(bottom: 12, spacing: 2)
        XCTAssertEqual(b.bottom, Rect(10, 58, 100, 12))
        XCTAssertEqual(b.rest, Rect(10, 20, 100, 36))
        let l = r.split(left: 30)
        XCTAssertEqual(l.left, Rect(10, 20, 30, 50))
        XCTAssertEqual(l.rest, Rect(40, 20, 70, 50))
        let rt = r.split(right: 130, spacing: 4)
        XCTAssertEqual(rt.right, r, "clamped to the rect")
        XCTAssertEqual(rt.rest.w, 0)
    }

    func testFlowRow_WrapsWhenLineIsFull() {
        let bounds = Rect(10, 100, 250, 0)
        let f = FlowRow(widths: [100, 100, 100, 40], in: bounds, lineHeight: 28, spacing: 8, lineSpacing: 4)
        XCTAssertEqual(f.lineCount, 2)
        XCTAssertEqual(
            f.rects,
            [
                Rect(10, 100, 100, 28), Rect(118, 100, 100, 28),
                Rect(10, 132, 100, 28), Rect(118, 132, 40, 28),
            ])
        XCTAssertEqual(f.height, 60)
        let one = FlowRow(widths: [100, 100], in: Rect(0, 0, 208, 30), lineHeight: 28, spacing: 8)
        XCTAssertEqual(one.lineCount, 1, "exactly fits")
        XCTAssertEqual(one.height, 28)
        XCTAssertEqual(FlowRow(widths: [], in: bounds, lineHeight: 28, spacing: 8).height, 0)
    }

    func testFlowRow_TrailingAndCentreAlignmentAndOversizedItems() {
        let bounds = Rect(0, 0, 300, 40)
        let t = FlowRow(widths: [90, 100], in: bounds, lineHeight: 28, spacing: 10, alignment: .trailing)
        XCTAssertEqual(t.rects.map(\.x), [100, 200])
        XCTAssertEqual(t.rects.last!.maxX, 300)
        let c = FlowRow(widths: [90, 100], in: bounds, lineHeight: 28, spacing: 10, alignment: .center)
        XCTAssertEqual(c.rects.map(\.x), [50, 150])
        let big = FlowRow(widths: [50, 400, 50], in: bounds, lineHeight: 20, spacing: 10)
        XCTAssertEqual(big.lineCount, 3)
        XCTAssertEqual(big.rects[1], Rect(0, 30, 300, 20))
    }

    func testFlowRow_ButtonBarAtEveryWidthFrom1024_NeverOverlapsOrLeavesBounds() {
        let h = Harness()
        let labels = ["Open…  Ctrl+O##open", "Export all##exportAll", "Help  F1##help", "Settings##settings"]
        let widths = labels.map { h.ui.buttonSize($0).x }
        XCTAssertEqual(widths[0], 13 * 8 + 16)
        for width in stride(from: Float(120), through: 3840, by: 3) {
            let bounds = Rect(10, 9, width / 4, 28)
            let f = FlowRow(widths: widths, in: bounds, lineHeight: 28, spacing: 8, alignment: .trailing)
            XCTAssertEqual(f.rects.count, 4)
            for (a, b) in zip(f.rects, f.rects.dropFirst()) where a.y == b.y {
                XCTAssertGreaterThanOrEqual(b.x, a.maxX + 8)
            }
            for r in f.rects {
                XCTAssertGreaterThanOrEqual(r.x, bounds.x.rounded())
                XCTAssertLessThanOrEqual(r.maxX, bounds.maxX.rounded())
            }
            XCTAssertEqual(f.height, Float(f.lineCount) * 28 + Float(f.lineCount - 1) * 8)
            if bounds.w >= widths.reduce(0, +) + 24 { XCTAssertEqual(f.lineCount, 1, "fits on one line at \(width)") }
        }
    }
}
