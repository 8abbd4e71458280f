import Foundation
import Platform
import XCTest

final class RendererChoiceTests: XCTestCase {
    func testRendererChoice_FindsARenderNodeOnlyWhereOneIs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dri-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertFalse(RendererChoice.hasRenderNode(in: dir.path + "/missing"))
        try Data().write(to: dir.appendingPathComponent("card0"))
        XCTAssertFalse(RendererChoice.hasRenderNode(in: dir.path), "a card node alone is not a render node")
        try Data().write(to: dir.appendingPathComponent("renderD128"))
        XCTAssertTrue(RendererChoice.hasRenderNode(in: dir.path))
    }
}
