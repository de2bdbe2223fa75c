import ArgumentParser
import GNNFormats
#if canImport(Glibc)
import Glibc
#endif

/// `gnn-serve`: pack graphs into memory-mappable files and inspect graph and model files.
@main
struct GNNServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnn-serve",
        abstract: "Serve very deep graph neural networks on CPU in memory that does not grow with depth.",
        discussion: """
            Files are recognised by their content, never by their extension; by convention graphs are \
            *.bin and models *.gnnz.

            Exit status: 0 on success, 1 when an input file or value is bad (one line on stderr says what, \
            where and how to fix it), 2 when the command line itself is wrong.
            """,
        version: GNNVersion.current,
        subcommands: [PackCommand.self, InfoCommand.self, PredictCommand.self])

    /// Runs the command, mapping failures to the documented exit codes: 1 for bad input, 2 for usage.
    static func main() {
        InterruptCleanup.install()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as GNNError {
            CommandLineOutput.fail(error)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            if code == .validationFailure || code.rawValue == 64 {
                CommandLineOutput.writeError("gnn-serve: usage error: \(message(for: error)) (usage: \(usageString(for: error)))")
                Glibc.exit(2)
            }
            CommandLineOutput.writeError("gnn-serve: error: \(message(for: error))")
            Glibc.exit(1)
        }
    }

    private static func usageString(for error: any Error) -> String {
        let full = fullMessage(for: error)
        guard let range = full.range(of: "Usage: ") else { return "see --help" }
        return String(full[range.upperBound...].prefix { $0 != "\n" })
    }
}

/// Writing to stderr, and the one-line failure format.
enum CommandLineOutput {
    static func writeError(_ text: String) {
        writeRaw(text.hasSuffix("\n") ? text : text + "\n")
    }

    /// Prints `error` as one line and exits with status 1.
    static func fail(_ error: GNNError) -> Never {
        writeError("gnn-serve: error: \(error.description)")
        Glibc.exit(1)
    }
}

extension CommandLineOutput {
    /// Writes `text` to stderr unbuffered.
    static func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(STDERR_FILENO, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return }
                done += n
            }
        }
    }
}
