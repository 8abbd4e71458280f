import XCTest
@testable import Raster

final class TilingTests: XCTestCase {
    func testGrid_PlacesTilesRowMajorWithGaps() {
        let tiles = (0..<5).map { RGBAImage(width: 3, height: 2, fill: (UInt8($0 * 10), 0, 0, 255)) }
        let grid = Tiling.grid(tiles, columns: 3, gap: 1, background: (1, 2, 3, 4))
        XCTAssertEqual(grid.width, 3 * 3 + 2)
        XCTAssertEqual(grid.height, 2 * 2 + 1)
        XCTAssert(grid[0, 0] == (0, 0, 0, 255))
        XCTAssert(grid[2, 1] == (0, 0, 0, 255))
        XCTAssert(grid[3, 0] == (1, 2, 3, 4))       // gap column after tile 0
        XCTAssert(grid[4, 0] == (10, 0, 0, 255))    // tile 1
        XCTAssert(grid[10, 1] == (20, 0, 0, 255))   // tile 2, last pixel
        XCTAssert(grid[0, 2] == (1, 2, 3, 4))       // gap row
        XCTAssert(grid[0, 3] == (30, 0, 0, 255))    // tile 3
        XCTAssert(grid[6, 4] == (40, 0, 0, 255))    // tile 4
        XCTAssert(grid[8, 4] == (1, 2, 3, 4))       // missing sixth cell
    }

    func testGrid_EightByEightOfSixtyFour() {
        let tiles = (0..<64).map { RGBAImage(width: 4, height: 4, fill: (UInt8($0), 0, 0, 255)) }
        let grid = Tiling.grid(tiles, columns: 8, gap: 2, background: (255, 255, 255, 255))
        XCTAssertEqual(grid.width, 8 * 4 + 7 * 2)
        XCTAssertEqual(grid.height, grid.width)
        XCTAssertEqual(grid[7 * 6 + 3, 7 * 6 + 3].r, 63)
        XCTAssertEqual(grid[2 * 6, 5 * 6].r, 42)
        XCTAssert(grid[4, 45] == (255, 255, 255, 255))
    }
}
