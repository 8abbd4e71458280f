import Foundation

/// Runs `body` with file descriptor 2 pointed at /dev/null: libpng and libjpeg print warnings ("iCCP: known incorrect
/// sRGB profile") straight to stderr, and ConvScope reports problems in its own words instead.
func withQuietStderr<T>(_ body: () throws -> T) rethrows -> T {
    fflush(stderr)
    let saved = dup(2)
    let devnull = open("/dev/null", O_WRONLY)
    if saved >= 0 && devnull >= 0 { dup2(devnull, 2) }
    defer {
        fflush(stderr)
        if saved >= 0 { dup2(saved, 2); close(saved) }
        if devnull >= 0 { close(devnull) }
    }
    return try body()
}
