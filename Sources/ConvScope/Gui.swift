import ArgumentParser
import ConvEngine
import Foundation
import ImmediateUI
import Platform
import WeightsStore

struct Gui: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open the ConvScope window (the default).")

    @Argument(help: "Images or model files to open (default: the bundled sample); the last image and the last model count.")
    var files: [String] = []
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Folder for exported PNGs, one subfolder per image (remembered; default: ConvScope/ in the XDG Pictures folder, usually ~/Pictures/ConvScope).") var exportDir: String?
    @Flag(help: "Centre-crop images to a square instead of squashing them.") var crop = false
    @Option(help: "Window size, WIDTHxHEIGHT (default: the last one used, else 1280x800).") var size: String?
    @Option(help: .hidden) var frameStats: String?
    @Flag(help: .hidden) var exitAfterFirstFrame = false

    func run() throws {
        FontSet.locateInBackground()
        // The model the user named is read while the window opens (discovery takes the result).
        if let named = weightsOptions.weights ?? ProcessInfo.processInfo.environment["CONVSCOPE_WEIGHTS"],
           !named.isEmpty, WeightsProbe.regularFileCheck(path: named) == nil {
            IsolatedModelLoader.prefetch(path: named)
        }
        try reportingErrors {
            let settings = Settings.load()
            let dims = try size.map { s -> [Int] in
                let d = s.split(separator: "x").compactMap { Int($0) }
                guard d.count == 2 else { throw ValidationError("--size must look like 1280x800") }
                return d
            } ?? [settings.windowWidth ?? 1280, settings.windowHeight ?? 800]
            let window = try AppWindow(title: "ConvScope", width: dims[0], height: dims[1])
            let ui = UIContext(measurer: window.fonts)
            let app = ConvScopeApp(exportFolder: exportDir ?? settings.exportFolder ?? Exporter.defaultFolder, crop: crop, settings: settings) { line in
                print(line); fflush(stdout)
            }
            window.canvas.images = app.images
            let images = app.images
            window.canvas.nearestNeighbour = { images.isNearest($0) }
            app.wake = { AppWindow.wake() }
            let trace = ProcessInfo.processInfo.environment["CONVSCOPE_UI_TRACE"].flatMap { $0.isEmpty ? nil : $0 }
            ui.recordsTrace = trace != nil

            app.send(.lookingForModel)
            // Files given (a desktop's "Open With" passes several): images and models told apart by their content.
            var photos: [String] = [], models: [String] = [], problems: [String] = []
            for f in files {
                switch DroppedFile.classify(f) {
                case .image: photos.append(f)
                case .weights: models.append(f)
                case .problem: problems.append(f)
                }
            }
            app.worker.discoverAndLoad(explicit: weightsOptions.weights ?? models.last,
                                       repoWeightsFolder: RepoPaths.root.map { $0 + "/Weights" }, preprocessing: weightsOptions.preprocess)
            if let first = photos.last ?? (files.isEmpty ? RepoPaths.sampleImage : nil) {
                app.worker.prefetch(photo: first)
                app.send(.openImage(first))
            }
            if !problems.isEmpty { app.send(.dropped(problems)) }

            var again = true   // a frame that changed the state is followed by one that shows it
            while !app.quit {
                // Idle costs nothing: sleep until an event (input, or background work waking us) unless something animates.
                let timeout = again ? 0 : app.state.animating ? 33 : app.idleTimeoutMs()
                let (input, events) = window.poll(timeoutMs: timeout)
                let start = DispatchTime.now().uptimeNanoseconds
                app.handle(events)
                app.pump()
                ui.beginFrame(input: input)
                again = app.frame(ui)
                window.canvas.draw(ui.endFrame(), clear: ui.theme.background)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                app.frameSeconds.append(seconds)
                if app.state.animating { app.busyFrameSeconds.append(seconds) }
                window.present()
                if let trace { app.writeTrace(ui, to: trace) }   // written only when it changed
                if exitAfterFirstFrame && app.state.showsCompleteAnalysis {
                    print(String(format: "startup: {\"first_complete_frame_s\": %.4f, \"peak_rss_mb\": %.1f}",
                                 processAgeSeconds(), Double(peakRSSKiB()) / 1024))
                    fflush(stdout)
                    app.send(.quit)
                }
            }
            if let path = frameStats {
                try AtomicFile.write(JSONEncoder().encode(["all": FrameStats(app.frameSeconds), "while_engine_works": FrameStats(app.busyFrameSeconds)]), to: path)
            }
        }
    }
}

/// Frame build-and-draw times (not counting the wait for vsync or events).
struct FrameStats: Encodable {
    let frames: Int, median_ms: Double, p95_ms: Double, max_ms: Double

    init(_ seconds: [Double]) {
        let s = seconds.sorted()
        frames = s.count
        func at(_ q: Double) -> Double { s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count - 1) * q))] * 1000 }
        median_ms = at(0.5); p95_ms = at(0.95); max_ms = s.last.map { $0 * 1000 } ?? 0
    }
}
