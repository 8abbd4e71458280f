import Foundation

/// What the engine is doing for the window. One value instead of a status string: it drives the status bar's spinner
/// and whether frames animate (an idle window sleeps).
enum Activity: Equatable {
    case idle
    case lookingForModel
    case loadingModel(String)
    case analysing(String)
    /// The pane's method, by its title ("Score-CAM").
    case computingCAM(String)

    /// Whether the pane's class activation map is being computed.
    var isComputingCAM: Bool {
        if case .computingCAM = self { return true }
        return false
    }

    /// "Analysing chelsea.png…", or nil when idle.
    var text: String? {
        switch self {
        case .idle: return nil
        case .lookingForModel: return "Looking for a model…"
        case .loadingModel(let name): return "Loading \(name)…"
        case .analysing(let name): return "Analysing \(name)…"
        case .computingCAM(let method): return "Computing \(method)…"
        }
    }
}

/// The status line: information expires after a few seconds; an error stays until the person dismisses it, and a
/// newer information never hides an unread error.
struct StatusLine: Equatable {
    struct Message: Equatable { let text: String; let isError: Bool; let posted: Date }
    static let infoLifetime: TimeInterval = 8

    private(set) var latestInfo: Message?
    private(set) var unreadErrors: [Message] = []

    mutating func post(_ text: String, error: Bool, at now: Date) {
        let m = Message(text: text, isError: error, posted: now)
        if error {
            unreadErrors.removeAll { $0.text == text }
            unreadErrors.append(m)
            if unreadErrors.count > 20 { unreadErrors.removeFirst() }
        } else {
            latestInfo = m
        }
    }

    /// Marks the shown error as read; the next one (or the information) shows.
    mutating func dismiss() { if !unreadErrors.isEmpty { unreadErrors.removeLast() } }

    /// What the bar shows at `now`: the newest unread error, else information younger than its lifetime.
    func current(at now: Date) -> Message? {
        if let e = unreadErrors.last { return e }
        if let i = latestInfo, now.timeIntervalSince(i.posted) < Self.infoLifetime { return i }
        return nil
    }

    /// When the shown information expires (the window wakes then to redraw), if it will.
    func nextExpiry(after now: Date) -> Date? {
        guard unreadErrors.isEmpty, let i = latestInfo else { return nil }
        let end = i.posted.addingTimeInterval(Self.infoLifetime)
        return end > now ? end : nil
    }
}
