import Foundation

/// Seconds since this process started (its start time in /proc/self/stat against the system's uptime), so start-up
/// time counts everything before `main`, including the dynamic loader and a re-exec.
func processAgeSeconds() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
          let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    // Fields after the command name start at field 3; the start time is field 22.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 19, let ticks = Double(fields[19]),
          let now = Double(uptime.split(separator: " ").first ?? "") else { return 0 }
    return now - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}
