import Foundation
import ImmediateUI
import Platform
import Raster
import XCTest

/// A small tmpfs mounted for one test (tests run as root here and in CI); skips when mounting is not allowed.
private final class SmallDisk {
    let path: String

    init(bytes: Int = 200 * 1024) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(bytes / 1024)k", "tmpfs", path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do {
            try p.run()
            p.waitUntilExit()
        } catch {}
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw XCTSkip("cannot mount a tmpfs (needs root): the full-disk test does not run")
        }
    }

    deinit {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = [path]
        if (try? p.run()) != nil { p.waitUntilExit() }
        rmdir(path)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    var available: Int {
        var st = statvfs()
        return statvfs(path, &st) == 0 ? Int(st.f_bavail) * Int(st.f_frsize) : 0
    }

    /// Fills the disk with a file so only `leaving` bytes stay free.
    func fill(leaving: Int) {
        FileManager.default.createFile(atPath: file("filler"), contents: Data(count: max(0, available - leaving)))
        precondition(available <= leaving, "filler did not fill the disk")
    }

    /// Every file below the mount, relative to it, sorted.
    var files: [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: file($0), isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }
}

/// `cam`, `activations` and `filters` writing onto a nearly full disk: exit status 1, one line on stderr that says the
/// disk is full, no partial or temporary file, and an existing `--out` file untouched.
final class ExportDiskFullTests: XCTestCase {
    typealias Result = CLIResult

    var model: String { Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path }
    var cat: String { Fixtures.golden.appendingPathComponent("chelsea224.png").path }

    func convscope(_ args: [String]) throws -> Result { try runConvscope(args) }

    /// Status 1 and exactly one error line, "convscope: <path>: the disk is full (wrote N of M bytes); <ending>".
    /// (`filters` also prints its progress to stderr, as `\r`-joined updates on a line of their own.)
    func assertDiskFull(_ r: Result, path: String, ending: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        let lines = r.stderr.split(separator: "\n").filter { !$0.contains("\r") }
        XCTAssertEqual(lines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
        let message = lines.first.map(String.init) ?? ""
        XCTAssertTrue(
            message.hasPrefix("convscope: \(path): the disk is full (wrote "), message, file: file, line: line)
        XCTAssertTrue(message.hasSuffix(" bytes); \(ending)"), message, file: file, line: line)
    }

    func testCam_OnAFullDisk_FailsClearlyAndKeepsTheExistingOutput() throws {
        let disk = try SmallDisk()
        let out = disk.file("cam.png")
        let first = try convscope(["cam", cat, "--weights", model, "--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        let good = try XCTUnwrap(FileManager.default.contents(atPath: out))

        disk.fill(leaving: 16 * 1024)
        let r = try convscope(["cam", cat, "--weights", model, "--out", out, "--opacity", "0.9"])
        assertDiskFull(r, path: out, ending: "nothing was replaced")
        XCTAssertEqual(r.stdout, "", "no success line")
        XCTAssertEqual(disk.files, ["cam.png", "filler"])
        XCTAssertEqual(FileManager.default.contents(atPath: out), good, "the earlier cam.png is byte-identical")
    }

    func testActivations_OnAFullDisk_FailsClearlyAndLeavesNoPartialFile() throws {
        let disk = try SmallDisk()
        disk.fill(leaving: 16 * 1024)
        let folder = disk.file("act")
        let r = try convscope(["activations", cat, "--weights", model, "--out", folder, "--layer", "1", "--layer", "2"])
        assertDiskFull(r, path: folder + "/block1_conv1.png", ending: "nothing was written")
        XCTAssertEqual(disk.files, ["filler"], "no grid, no layers.json, no temporary file")
    }

    func testFilters_OnAFullDisk_FailsClearlyAndLeavesNoPartialFile() throws {
        let disk = try SmallDisk()
        disk.fill(leaving: 4096)
        let out = disk.file("filters.png")
        let r = try convscope([
            "filters", "--weights", model, "--layer", "block1_conv1", "--count", "4", "--size", "32",
            "--steps", "2", "--out", out,
        ])
        assertDiskFull(r, path: out, ending: "nothing was written")
        XCTAssertEqual(disk.files, ["filler"])
    }
}

/// The default export folder: `$HOME` respected, the XDG Pictures folder from user-dirs.dirs.
final class ExportFolderTests: XCTestCase {
    var home: String!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: home) }

    func userDirs(_ text: String, in config: String) throws {
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try text.write(toFile: config + "/user-dirs.dirs", atomically: true, encoding: .utf8)
    }

    func testHomeWithoutUserDirs_IsHomePicturesConvScope() {
        XCTAssertEqual(ExportFolder.defaultFolder(["HOME": home]), home + "/Pictures/ConvScope")
        XCTAssertEqual(ExportFolder.home(["HOME": home]), home, "never the passwd home when HOME is set")
    }

    func testUserDirs_NamesThePicturesFolder() throws {
        try userDirs(
            """
            # This file is written by xdg-user-dirs-update
            XDG_DESKTOP_DIR="$HOME/Desktop"
            XDG_PICTURES_DIR="$HOME/Bilder/Fotos"
            XDG_VIDEOS_DIR="$HOME/Videos"

            """, in: home + "/.config")
        XCTAssertEqual(ExportFolder.defaultFolder(["HOME": home]), home + "/Bilder/Fotos/ConvScope")
    }

    func testUserDirs_InXDGConfigHome_AbsolutePathAndDisabledFolder() throws {
        let config = home + "/elsewhere"
        try userDirs("XDG_PICTURES_DIR=\"/srv/shared pictures\"\n", in: config)
        XCTAssertEqual(
            ExportFolder.defaultFolder(["HOME": home, "XDG_CONFIG_HOME": config]), "/srv/shared pictures/ConvScope")
        XCTAssertEqual(
            ExportFolder.defaultFolder(["HOME": home]), home + "/Pictures/ConvScope", "~/.config has no user-dirs.dirs")
        try userDirs("XDG_PICTURES_DIR=\"$HOME/\"\n", in: config)  // xdg-user-dirs' way of disabling a folder
        XCTAssertEqual(
            ExportFolder.defaultFolder(["HOME": home, "XDG_CONFIG_HOME": config]), home + "/Pictures/ConvScope")
    }

    func testReveal_CreatesTheFolderAndHandsItToXdgOpen() throws {
        let bin = home + "/bin"
        let folder = home + "/Pictures/ConvScope/chelsea"
        let log = home + "/opened"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try "#!/bin/sh\nprintf '%s' \"$1\" > \(log).part && mv \(log).part \(log)\n".write(
            toFile: bin + "/xdg-open", atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(bin + "/xdg-open", 0o755), 0)
        try ExportFolder.reveal(folder, ["PATH": bin])
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) && isDir.boolValue)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: log) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(try? String(contentsOfFile: log, encoding: .utf8), folder)

        XCTAssertThrowsError(try ExportFolder.reveal(folder, ["PATH": home + "/nowhere"])) {
            XCTAssertEqual(
                "\($0)", "cannot open a file manager (xdg-open is not installed); the exports are in \(folder)")
        }
    }

    func testImageFolder_IsTheImageStemAndAlwaysOneSafeName() {
        XCTAssertEqual(ExportFolder.forImage("/photos/chelsea.png", in: "/x/ConvScope"), "/x/ConvScope/chelsea")
        XCTAssertEqual(ExportFolder.forImage("cat.2024.jpeg", in: "/x"), "/x/cat.2024")
        XCTAssertEqual(ExportFolder.safeName(".."), "image")
        XCTAssertEqual(ExportFolder.safeName(".hidden"), "hidden")
        XCTAssertEqual(ExportFolder.safeName("a/b"), "a_b")
    }
}

/// Exported grids carry a caption strip drawn with SDL_ttf: the image on top unchanged, text pixels in the strip.
final class ExportCaptionTests: XCTestCase {
    func testCaption_AddsAStripWithTextUnderTheImage() throws {
        let grid = RGBAImage(width: 462, height: 100, fill: (r: 200, g: 10, b: 10, a: 255))
        let out = try CaptionStrip.captioned(grid, "block3_conv2 · channels 0–63 of 256")
        XCTAssertEqual(out.width, 462)
        XCTAssertGreaterThan(out.height, 100 + 12)
        XCTAssertLessThan(out.height, 100 + 60)
        XCTAssertEqual(out.cropped(x: 0, y: 0, width: 462, height: 100), grid, "the image itself is unchanged")
        let strip = out.cropped(x: 0, y: 100, width: 462, height: out.height - 100)
        var bright = 0
        var rightmost = 0
        for y in 0..<strip.height {
            for x in 0..<strip.width where strip[x, y].r > 150 {
                bright += 1
                rightmost = max(rightmost, x)
            }
        }
        XCTAssertGreaterThan(bright, 300, "the caption's glyphs are drawn")
        XCTAssertGreaterThan(rightmost, 150, "the whole line is drawn")
        XCTAssertLessThan(rightmost, 440, "and it fits")
        XCTAssertEqual(strip[strip.width - 1, 0].r, CaptionStrip.background.r)
    }

    func testLabels_ShareOneHeightAndFitTheirText_WideOnesWrapIntoLines() throws {
        let labels = try CaptionStrip.labels([
            "block1_conv1 · channels 0–63 of 64", "fc1", String(repeating: "wide ", count: 40),
        ])
        XCTAssertEqual(Set(labels.map(\.height)).count, 1)
        XCTAssertGreaterThan(labels[0].width, labels[1].width)
        XCTAssertGreaterThan(labels[2].width, 600)
        let out = CaptionStrip.attach(
            labels[2], below: RGBAImage(width: 200, height: 10, fill: (r: 0, g: 0, b: 0, a: 255)))
        XCTAssertEqual(out.width, 200)
        XCTAssertGreaterThan(out.height, 10 + 3 * labels[2].height / 2, "more than one line")
        func ink(_ image: RGBAImage, from y0: Int) -> Int {
            var n = 0
            for y in y0..<image.height {
                for x in 0..<image.width where image[x, y].r > 150 { n += 1 }
            }
            return n
        }
        XCTAssertEqual(ink(out, from: 10), ink(labels[2], from: 0), "every glyph's pixels kept: broken between words")
        XCTAssertEqual(CaptionStrip.lines(of: labels[0], width: 2000), [0..<labels[0].width], "one line when it fits")
    }
}
