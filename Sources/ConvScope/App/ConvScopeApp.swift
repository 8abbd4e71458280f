import ConvEngine
import Foundation
import ImmediateUI
import Platform

/// The window's application: one `AppState` changed only by reducing events (drops, keys, pane intents, engine
/// results), and the effects the reducer asks for carried out here: engine requests, exports, downloads, the log.
final class ConvScopeApp {
    private(set) var state = AppState()
    let worker = EngineWorker()
    let exporter: Exporter
    let images = PanelImages()
    let download = WeightsDownload()
    var frameSeconds: [Double] = []
    var busyFrameSeconds: [Double] = []
    /// Called from any thread when background work has something for the window (wakes a sleeping event loop).
    var wake: () -> Void = {} {
        didSet { worker.events.onPost = wake; exporter.events.onPost = wake; download.events.onPost = wake; chooserEvents.onPost = wake }
    }
    private let chooserEvents = Mailbox<AppEvent>()
    private var droppedThisDrag: [String] = []
    private var savedSettings = Settings()
    private let log: (String) -> Void

    init(exportFolder: String, crop: Bool, settings: Settings = Settings(), log: @escaping (String) -> Void) {
        exporter = Exporter(folder: exportFolder)
        self.log = log
        state.crop = crop
        savedSettings = settings
        state.camOpacity = settings.camOpacity ?? state.camOpacity
        state.grid = settings.grid ?? state.grid
        state.recentFiles = settings.recentFiles ?? []
        state.preferredLayer = settings.layer
        state.indexFolder = settings.indexFolder
        if let f = settings.filters { state.apply(f) }
    }

    var quit: Bool { state.quit }

    /// Reduces one event and carries out its effects.
    func send(_ event: AppEvent) {
        let effects = state.reduce(event)
        for effect in effects { perform(effect) }
        images.update(state)
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .loadModel(let path): worker.loadWeights(path: path)
        case .analyse(let path, let crop, let generation, let cam): worker.analyse(path: path, crop: crop, generation: generation, cam: cam)
        case .cam(let request, let generation): worker.gradCAM(request, imageGeneration: generation)
        case .compare(let request, let axis, let generation): worker.compare(request, axis, imageGeneration: generation)
        case .cancelCompare: worker.cancelComparison()
        case .contributions(let key, let a): worker.contributions(key, of: a)
        case .loadIndex(let folder, let crop): worker.loadIndex(folder: folder, crop: crop)
        case .indexFolder(let folder, let crop, let run): worker.indexFolder(folder, crop: crop, run: run)
        case .cancelIndex: worker.cancelIndex()
        case .topCrops(let key):
            if let i = state.currentIndex?.index { worker.topCrops(key, from: i) }
        case .chooseFolder: chooseFolder()
        case .channelAttribution(let key, let a): worker.channelAttribution(key, of: a)
        case .filters(let key, let list): worker.filters(key, list)
        case .cancelFilters: worker.cancelFilters()
        case .preprocessing(let p): worker.setPreprocessing(p)
        case .export(let jobs, let stem):
            guard !jobs.isEmpty, let name = stem ?? state.currentAnalysis.map({ ($0.image.name as NSString).deletingPathExtension }) else { return }
            exporter.export(jobs, stem: name)
        case .startDownload(let fullOnly): download.start(fullOnly: fullOnly)
        case .revealExports(let stem):
            do { try exporter.reveal(stem: stem); log("reveal: \(stem.map { exporter.folder(forStem: $0) } ?? exporter.folder)") } catch {
                send(.exporter(.failed("\(error)")))
            }
        case .cancelDownload: download.cancel()
        case .openChooser: openChooser()
        case .log(let line): log(line)
        case .saveSettings: saveSettings()
        }
    }

    /// A desktop chooser (zenity, kdialog) when one is installed, else the built-in browser.
    private func openChooser() {
        let start = state.recentFiles.first.map { ($0 as NSString).deletingLastPathComponent }
            ?? ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        log("chooser: open")
        FileChooser.run(startIn: start) { [chooserEvents] outcome in
            switch outcome {
            case .chosen(let path): chooserEvents.post(.chooserClosed(path))
            case .cancelled: chooserEvents.post(.chooserClosed(nil))
            case .unavailable: chooserEvents.post(.browse(FileBrowser(folder: start)))
            }
        }
    }

    /// A desktop folder chooser (zenity, kdialog) when one is installed, else the built-in browser in folder mode.
    private func chooseFolder() {
        let start = state.indexFolder ?? state.analysis.map { ($0.path as NSString).deletingLastPathComponent }
            ?? ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        log("chooser: folder")
        FileChooser.runForFolder(startIn: start) { [chooserEvents] outcome in
            switch outcome {
            case .chosen(let path): chooserEvents.post(.chooserClosed(nil)); chooserEvents.post(.indexFolder(path))
            case .cancelled: chooserEvents.post(.chooserClosed(nil))
            case .unavailable: chooserEvents.post(.browse(FileBrowser(folder: start, forFolder: true)))
            }
        }
    }

    private func saveSettings() {
        var s = savedSettings
        s.layer = state.layer.name == "—" ? s.layer : state.layer.name
        s.camOpacity = state.camOpacity
        s.grid = state.grid
        s.recentFiles = state.recentFiles
        s.indexFolder = state.indexFolder
        s.filters = state.filterChoice
        s.exportFolder = exporter.folder == Exporter.defaultFolder ? s.exportFolder : exporter.folder
        s.windowWidth = windowSize.map { Int($0.x) } ?? s.windowWidth
        s.windowHeight = windowSize.map { Int($0.y) } ?? s.windowHeight
        guard s != savedSettings else { return }
        savedSettings = s
        if let problem = s.save() { log("error: settings: \(problem)") }
    }

    /// The window's size in points, as last seen (saved with the settings).
    var windowSize: Vec2?
    /// The panes' rects in the last frame, and the last trace written (for the UI trace).
    var paneRects: [(String, Rect)] = []
    var lastTrace = Data()

    // MARK: events from outside the frame

    func handle(_ events: [PlatformEvent]) {
        for e in events {
            switch e {
            case .quit: send(.quit)
            case .dropBegin: droppedThisDrag = []
            case .dropFile(let path): droppedThisDrag.append(path)
            case .dropComplete: send(.dropped(droppedThisDrag)); droppedThisDrag = []
            case .windowResized: break
            }
        }
    }

    /// Takes what the engine, the exporter, the download and the chooser finished since the last frame.
    func pump() {
        for e in worker.events.drain() { send(.engine(e)) }
        for e in download.events.drain() { send(.download(e)) }
        for e in exporter.events.drain() { send(.exporter(e)) }
        for e in chooserEvents.drain() { send(e) }
    }
}
