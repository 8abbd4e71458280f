import ArgumentParser
import Foundation

/// Runs a command body; any error becomes one line on stderr ("convscope: <what is wrong>") and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("convscope: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Errors of the command line itself.
enum CommandLineError: Error, CustomStringConvertible {
    case outputFolder(String)
    case badClass(Int)
    var description: String {
        switch self {
        case .outputFolder(let p): return "\(p): cannot create the output folder"
        case .badClass(let c): return "--class \(c) is out of range: classes are 0…999"
        }
    }
}
