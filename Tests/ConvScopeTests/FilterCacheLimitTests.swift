import Foundation
import XCTest

/// The filter images' disk cache stays under its size limit (`CONVSCOPE_FILTER_CACHE_MB`): saving an image prunes the
/// images used least recently, whatever model they belong to, and keeps the ones just made or just used.
final class FilterCacheLimitTests: XCTestCase {
    func testFilterCache_OverItsLimit_DropsTheLeastRecentlyUsedFirst() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent(
            "convscope-cachecap-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let cache = tmp.appendingPathComponent("cache").path
        let other = cache + "/convscope/filters/another-model-caffe/0123"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        // Another model's images: 3 MB, the oldest two used in 2020, the third an hour ago.
        let days: [Double] = [-2000, -1900, -1 / 24]
        for (i, age) in days.enumerated() {
            let path = other + "/\(i).bin"
            try Data(count: 1 << 20).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(age * 86400)], ofItemAtPath: path)
        }
        let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.h5").path
        let r = try runConvscope(
            [
                "filters", "--weights", model, "--layer", "block2_conv1", "--count", "2", "--size", "32", "--steps",
                "2", "--cache", "--out", tmp.appendingPathComponent("grid.png").path,
            ], env: ["XDG_CACHE_HOME": cache, "CONVSCOPE_FILTER_CACHE_MB": "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let left = Set(
            (FileManager.default.enumerator(atPath: cache)?.allObjects as? [String] ?? []).filter {
                $0.hasSuffix(".bin")
            }.map { ($0 as NSString).lastPathComponent + ($0.contains("another-model") ? " other" : "") })
        XCTAssertFalse(left.contains("0.bin other"), "the least recently used goes first: \(left)")
        XCTAssertFalse(left.contains("1.bin other"), "until the folder is under 90% of 2 MB: \(left)")
        XCTAssertTrue(left.contains("2.bin other"), "one used an hour ago stays: \(left)")
        XCTAssertTrue(left.isSuperset(of: ["0.bin", "1.bin"]), "the images just made are kept: \(left)")
    }
}
